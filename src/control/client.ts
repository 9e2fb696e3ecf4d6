// The CLI's side of the control socket: one request, one reply, errors as ProcodileErrors.
import { connect } from 'node:net';
import { ProcodileError, supervisorNotRunning } from '../errors.js';
import { encodeRequest, type CommandName, type Replies, type Requests } from './protocol.js';
import { socketAddress } from './socket-address.js';

export function sendRequest<C extends CommandName>(sockPath: string, command: C, options: Requests[C]): Promise<Replies[C]> {
  return new Promise((resolve, reject) => {
    const { address, release } = socketAddress(sockPath);
    const socket = connect(address);
    release();
    let buffered = '';
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      action();
    };
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(encodeRequest(command, options)));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline === -1) return;
      const line = buffered.slice(0, newline);
      const space = line.indexOf(' ');
      const code = space === -1 ? line : line.slice(0, space);
      const payload = space === -1 ? '' : line.slice(space + 1);
      finish(() => {
        if (code === '200') {
          try {
            resolve(JSON.parse(payload) as Replies[C]);
          } catch {
            reject(new ProcodileError('CONTROL_ERROR', 'The supervisor sent a reply that is not JSON.'));
          }
        } else if (code === '500') reject(new ProcodileError('CONTROL_ERROR', payload));
        else reject(new ProcodileError('CONTROL_ERROR', `Error from control server: ${code}: ${payload}`));
      });
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
            ? supervisorNotRunning()
            : new ProcodileError('CONTROL_DISCONNECTED', `Cannot reach the supervisor: ${error.message}`),
        ),
      ),
    );
    socket.on('close', () =>
      finish(() =>
        reject(new ProcodileError('CONTROL_DISCONNECTED', 'Control server disconnected. Check procodile.log for details.')),
      ),
    );
  });
}

/** Whether something accepts connections on the socket within `timeoutMs` (spec 2.6). */
export function canConnect(sockPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let address;
    try {
      address = socketAddress(sockPath);
    } catch {
      resolve(false);
      return;
    }
    const socket = connect(address.address);
    address.release();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.on('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
