// The CLI's side of the control socket: one request, one reply, errors as ProcodileErrors.
import { connect } from 'node:net';
import { ProcodileError, supervisorNotRunning } from '../errors.js';
import { encodeRequest, type CommandName, type Replies, type Requests } from './protocol.js';
import { socketAddress } from './socket-address.js';

/**
 * How long a reply may take. A stopped or stuck supervisor still accepts connections (the
 * kernel queues them), so without a deadline `status` in a monitoring script would hang
 * forever. Requests that stop or start processes legitimately take as long as their
 * stop_timeouts, so they wait.
 */
const REPLY_DEADLINE_MS: Partial<Record<CommandName, number>> = { status: 15_000, reload_config: 15_000 };

export function sendRequest<C extends CommandName>(
  sockPath: string,
  command: C,
  options: Requests[C],
  deadline: number | undefined = REPLY_DEADLINE_MS[command],
): Promise<Replies[C]> {
  return new Promise((resolve, reject) => {
    const { address, release } = socketAddress(sockPath);
    const socket = connect(address);
    release();
    let buffered = '';
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      action();
    };
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(
            () =>
              finish(() =>
                reject(
                  new ProcodileError(
                    'CONTROL_DISCONNECTED',
                    `The supervisor did not answer '${command}' within ${deadline / 1000}s; it may be stuck. ` +
                      'Look at procodile.log; `procodile kill` stops it and every process if need be.',
                  ),
                ),
              ),
            deadline,
          );
    socket.on('close', () => clearTimeout(timer));
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
