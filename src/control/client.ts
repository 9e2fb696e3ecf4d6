// The CLI's side of the control socket: one request, one reply, errors as ProcodileErrors.
// Before a request goes out, the socket and the supervisor behind it must be trusted and must
// serve the CLI's own application root; every reply is checked and made safe to print.
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { sameRoot } from '../config/paths.js';
import { ProcodileError } from '../errors.js';
import { encodeRequest, type CommandName, type IdentifyReply, type Replies, type Requests } from './protocol.js';
import { checkReply, printable, printableReply } from './reply.js';
import { socketAddress } from './socket-address.js';
import { checkSupervisorTrust, explainUnreachable, permissionDenied, readSupervisorPid, type SupervisorFiles } from './trust.js';

export interface SupervisorTarget extends SupervisorFiles {
  /** The application root the CLI acts for, as given. */
  root: string;
  processes: readonly { stopTimeout: number; quantity?: number; ready?: unknown; readyTimeout?: number; drainTimeout?: number }[];
  releaseCommand?: string;
}

export interface RequestOptions {
  /** Overrides the reply deadline, in milliseconds. */
  deadlineMs?: number;
  /** Leave control characters in the reply's strings (for JSON output, which escapes them). */
  keepControls?: boolean;
}

/** Names the variable that sets every reply deadline, in seconds (README: control socket). */
export const CONTROL_TIMEOUT_ENV = 'PROCODILE_CONTROL_TIMEOUT';

const REPLY_DEADLINE_S = 15;
/** Added to the deadline of a request that acts on instances, per instance configured. */
const PER_INSTANCE_MS = 5;
/** A reply larger than this is not a supervisor's. */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/** Reads a positive number of seconds from the environment, or undefined when unset. */
export function secondsFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ProcodileError('INVALID_ARGUMENT', `${name}=${printable(text)} is not a number of seconds greater than 0.`);
  }
  return seconds;
}

/**
 * How long a reply may take. A stopped or stuck supervisor still accepts connections (the
 * kernel queues them), so without a deadline a command would wait forever. Requests that stop
 * and start processes may take the longest stop_timeout (SIGKILL follows it) on top.
 */
export function replyDeadlineMs(target: SupervisorTarget, command: CommandName): number {
  const fromEnv = secondsFromEnv(CONTROL_TIMEOUT_ENV);
  if (fromEnv !== undefined) return fromEnv * 1000;
  const longestStop = Math.max(0, ...target.processes.map((p) => p.stopTimeout));
  // Signalling, forking and answering for each instance takes the supervisor a little time:
  // with ten thousand instances a stop is answered after about 15 s (README.md, "Large
  // applications"), so requests that act on instances get more time with more of them.
  const instances = target.processes.reduce((sum, p) => sum + (p.quantity ?? 1), 0);
  const perInstance = command === 'status' || command === 'identify' ? 0 : instances * PER_INSTANCE_MS;
  const waitsForProcesses = command === 'start_processes' || command === 'restart' || command === 'check_concurrency';
  if (!waitsForProcesses) return REPLY_DEADLINE_S * 1000 + perInstance;
  // A rolling restart waits for each new instance to be ready and each old one to drain, one
  // after the other in the worst case; a release command runs before any of that.
  const rolling = target.processes.reduce(
    (sum, p) => sum + (p.ready === undefined ? 0 : (p.quantity ?? 1) * ((p.readyTimeout ?? 60) + (p.drainTimeout ?? p.stopTimeout))),
    0,
  );
  const release = target.releaseCommand === undefined ? 0 : 600;
  return (2 * REPLY_DEADLINE_S + longestStop + rolling + release) * 1000 + perInstance;
}

/** Refuses a supervisor that serves another root than the CLI's (two apps sharing one pid_root). */
export function checkRoot(target: Pick<SupervisorTarget, 'root' | 'sockPath'>, identity: { root: string }): void {
  if (sameRoot(identity.root, target.root)) return;
  throw new ProcodileError(
    'WRONG_SUPERVISOR',
    `The pid directory ${dirname(target.sockPath)} is used by a running supervisor of another application (${printable(identity.root)}), ` +
      `not by ${target.root}: refusing to act on it. Give each application its own pid_root in Procfile.options.`,
  );
}

export async function sendRequest<C extends CommandName>(
  target: SupervisorTarget,
  command: C,
  options: Requests[C],
  request: RequestOptions = {},
): Promise<Replies[C]> {
  checkSupervisorTrust(target);
  const deadline = request.deadlineMs ?? replyDeadlineMs(target, command);
  const identifies = command === 'status' || command === 'identify';
  // Every command first makes sure the supervisor is this application's: two applications
  // configured with one pid_root must not act on each other.
  if (!identifies) checkRoot(target, await whoIs(target, deadline, command));
  const reply = await exchange(target, command, options, deadline);
  if (identifies) checkRoot(target, reply as { root: string });
  return request.keepControls === true ? reply : printableReply(reply);
}

/**
 * Who the supervisor behind the socket is, after the same checks as any request. An older
 * procodile (or Procodile 2) does not know `identify`: its `status` says the same.
 */
export async function identifySupervisor(target: SupervisorTarget, deadlineMs?: number): Promise<IdentifyReply> {
  checkSupervisorTrust(target);
  const identity = await whoIs(target, deadlineMs ?? replyDeadlineMs(target, 'identify'), 'identify');
  checkRoot(target, identity);
  return printableReply(identity);
}

/**
 * `identify`, a few hundred bytes, rather than a status that lists every instance (megabytes
 * for a large application); `status` when the supervisor answers that it does not know the
 * command. Any other error, or a malformed reply, is not a reason to ask again.
 */
async function whoIs(target: SupervisorTarget, deadline: number, asking: CommandName): Promise<IdentifyReply> {
  try {
    return await exchange(target, 'identify', {}, deadline, asking);
  } catch (error) {
    if (!(error instanceof UnknownCommand)) throw error;
    const { version, root, app_name, pid_root, supervisor } = await exchange(target, 'status', {}, deadline, asking);
    return { version, root, app_name, pid_root, supervisor };
  }
}

/** A `404` reply: the supervisor does not know the command (Procodile 2 says `404 Invalid command`). */
class UnknownCommand extends ProcodileError {}

/** `asking` is the user's command, for the message when no answer comes. */
function exchange<C extends CommandName>(
  target: SupervisorTarget,
  command: C,
  options: Requests[C],
  deadline: number,
  asking: CommandName = command,
): Promise<Replies[C]> {
  return new Promise((resolvePromise, reject) => {
    const { address, release } = socketAddress(target.sockPath);
    const socket = connect(address);
    release();
    // The reply is one line, of megabytes with thousands of instances: chunks are kept apart
    // and only the newest is searched, since searching the whole text again at every chunk
    // took a fifth of a second with 10,000 instances.
    const chunks: string[] = [];
    let bufferedLength = 0;
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      action();
    };
    const timer = setTimeout(() => finish(() => reject(noAnswer(target, asking, deadline))), deadline);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(encodeRequest(command, options)));
    socket.on('data', (chunk: string) => {
      const newline = chunk.indexOf('\n');
      if (newline === -1) {
        chunks.push(chunk);
        bufferedLength += chunk.length;
        if (bufferedLength > MAX_REPLY_BYTES) finish(() => reject(malformed(target, command, 'it is far too large')));
        return;
      }
      chunks.push(chunk.slice(0, newline));
      const line = chunks.join('');
      finish(() => {
        try {
          resolvePromise(decodeReply(target, command, line));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          error.code === 'EACCES'
            ? permissionDenied(target.sockPath, 'connecting to')
            : error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
              ? explainUnreachable(target)
              : new ProcodileError('CONTROL_DISCONNECTED', `Cannot reach the supervisor at ${target.sockPath}: ${error.message}`),
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

function decodeReply<C extends CommandName>(target: SupervisorTarget, command: C, line: string): Replies[C] {
  const space = line.indexOf(' ');
  const code = space === -1 ? line : line.slice(0, space);
  const payload = space === -1 ? '' : line.slice(space + 1);
  if (code === '500') throw new ProcodileError('CONTROL_ERROR', printable(payload));
  if (code === '404') throw new UnknownCommand('CONTROL_ERROR', `Error from control server: 404: ${printable(payload)}`);
  if (code !== '200') throw new ProcodileError('CONTROL_ERROR', `Error from control server: ${printable(code)}: ${printable(payload)}`);
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    throw malformed(target, command, 'it is not JSON');
  }
  const checked = checkReply(command, value);
  if (!checked.ok) throw malformed(target, command, `unexpected ${checked.problem}`);
  return checked.value;
}

function malformed(target: SupervisorTarget, command: CommandName, why: string): ProcodileError {
  return new ProcodileError(
    'CONTROL_ERROR',
    `The reply to '${command}' from ${target.sockPath} is not a supervisor's reply (${why}). ` +
      'Check that procodile and the running supervisor are the same version, and that nothing else listens there.',
  );
}

function noAnswer(target: SupervisorTarget, command: CommandName, deadline: number): ProcodileError {
  let pid: number | undefined;
  try {
    pid = readSupervisorPid(target);
  } catch {
    pid = undefined;
  }
  const who = pid === undefined ? 'The supervisor' : `The supervisor (PID ${pid})`;
  return new ProcodileError(
    'DEADLINE',
    `${who} did not answer '${command}' within ${deadline / 1000}s; it may be stuck or stopped (SIGSTOP). ` +
      'Look at procodile.log; `procodile kill` stops it and every process if need be. ' +
      `${CONTROL_TIMEOUT_ENV}=SECONDS sets how long to wait.`,
  );
}

/** Whether something accepts connections on the socket within `timeoutMs` (as in Procodile). */
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
