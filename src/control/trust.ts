// Before the CLI talks to a control socket it makes sure a supervisor of ours is behind it:
// the socket must be a socket owned by us or by root, and the pid in procodile.pid a live
// process of that same user. Anyone who can write to the pid directory could otherwise put
// their own server there and receive root's `stop`, or feed it replies (README: control socket).
import { accessSync, constants, lstatSync, readFileSync } from 'node:fs';
import { ProcodileError, supervisorNotRunning } from '../errors.js';
import { isAlive } from '../proc/liveness.js';

export interface SupervisorFiles {
  sockPath: string;
  supervisorPidPath: string;
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function permissionDenied(path: string, what: string): ProcodileError {
  return new ProcodileError(
    'PERMISSION_DENIED',
    `Permission denied ${what} ${path}. The supervisor belongs to another user: run procodile as that user (or with sudo).`,
  );
}

/** The effective uid of a live process, from /proc/PID/status. */
function processUid(pid: number): number | undefined {
  try {
    const line = /^Uid:\s+\d+\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return line === null ? undefined : Number(line[1]);
  } catch {
    return undefined;
  }
}

function userName(uid: number): string {
  try {
    const entry = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((line) => line.split(':')[2] === String(uid));
    const name = entry?.split(':')[0];
    return name === undefined || name === '' ? `uid ${uid}` : `${name} (uid ${uid})`;
  } catch {
    return `uid ${uid}`;
  }
}

/** The pid in procodile.pid; a permission problem is said as such, not as "not running". */
export function readSupervisorPid(files: SupervisorFiles): number | undefined {
  let text: string;
  try {
    text = readFileSync(files.supervisorPidPath, 'utf8').trim();
  } catch (error) {
    if (errnoOf(error) === 'EACCES') throw permissionDenied(files.supervisorPidPath, 'reading');
    return undefined;
  }
  return /^\d+$/.test(text) && Number(text) > 1 ? Number(text) : undefined;
}

/**
 * Why a supervisor cannot be reached, in words a user can act on: no access, a live supervisor
 * whose socket file was removed, or simply none running.
 */
export function explainUnreachable(files: SupervisorFiles): ProcodileError {
  let pid: number | undefined;
  try {
    pid = readSupervisorPid(files);
  } catch (error) {
    return error as ProcodileError;
  }
  if (pid === undefined || !isAlive(pid)) return supervisorNotRunning();
  try {
    lstatSync(files.sockPath);
  } catch (error) {
    if (errnoOf(error) === 'EACCES') return permissionDenied(files.sockPath, 'reaching');
    return new ProcodileError(
      'SUPERVISOR_UNREACHABLE',
      `The supervisor (PID ${pid}) is running but its control socket ${files.sockPath} is missing. ` +
        `Run \`kill -HUP ${pid}\` to make it create the socket again (it also reloads the configuration).`,
    );
  }
  try {
    // Connecting to a unix socket needs write permission on its file.
    accessSync(files.sockPath, constants.W_OK);
  } catch (error) {
    if (errnoOf(error) === 'EACCES') return permissionDenied(files.sockPath, 'connecting to');
  }
  return supervisorNotRunning();
}

/** Throws unless the socket and the supervisor behind it belong to us or to root. */
export function checkSupervisorTrust(files: SupervisorFiles): void {
  let socketUid: number;
  try {
    const stat = lstatSync(files.sockPath);
    if (!stat.isSocket()) {
      throw new ProcodileError(
        'SUPERVISOR_UNTRUSTED',
        `${files.sockPath} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a socket'}: refusing to talk to it. ` +
          'Remove it and start the supervisor again, and make sure no other user can write to the pid directory.',
      );
    }
    socketUid = stat.uid;
  } catch (error) {
    if (error instanceof ProcodileError) throw error;
    if (errnoOf(error) === 'EACCES') throw permissionDenied(files.sockPath, 'reaching');
    throw explainUnreachable(files);
  }
  const euid = process.geteuid?.() ?? 0;
  if (socketUid !== euid && socketUid !== 0) {
    throw new ProcodileError(
      'SUPERVISOR_UNTRUSTED',
      `${files.sockPath} is owned by ${userName(socketUid)}, not by you (${userName(euid)}) or root: refusing to talk to it. ` +
        'If that user runs this supervisor, run procodile as that user (or set `user:` in Procfile.options); ' +
        'otherwise another program has taken the socket\'s place: stop it and make the pid directory writable only by its owner.',
    );
  }
  const pid = readSupervisorPid(files);
  if (pid === undefined || !isAlive(pid)) throw supervisorNotRunning();
  const pidUid = processUid(pid);
  if (pidUid !== socketUid) {
    throw new ProcodileError(
      'SUPERVISOR_UNTRUSTED',
      `The supervisor PID ${pid} in ${files.supervisorPidPath} runs as ${pidUid === undefined ? 'an unknown user' : userName(pidUid)}, ` +
        `but ${files.sockPath} is owned by ${userName(socketUid)}: refusing to talk to it. ` +
        'Something other than the supervisor may be listening there; check both files.',
    );
  }
}
