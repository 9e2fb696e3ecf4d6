// Where an application's log writer listens and records its pid: hidden files in the pid
// directory, so the pid-directory tidy-up never counts them as strays.
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** sun_path is 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export function logWriterSocketPath(pidRoot: string): string {
  return join(pidRoot, '.procodile-logs.sock');
}

export function logWriterPidPath(socketPath: string): string {
  return join(dirname(socketPath), '.procodile-logs.pid');
}

/**
 * An address for the socket that fits the unix limit: a long one is reached through an open
 * descriptor of its directory, as the control socket is (README.md, "The control socket").
 */
export function reachableAddress(socketPath: string): { address: string; release: () => void } {
  if (Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH) return { address: socketPath, release: () => undefined };
  const fd = openSync(dirname(socketPath), constants.O_RDONLY | constants.O_DIRECTORY);
  return { address: `/proc/self/fd/${fd}/${basename(socketPath)}`, release: () => closeSync(fd) };
}

/**
 * The pid of the application's log writer while it runs: the pid its file names, if that
 * process is alive and is a log writer for this very socket (a recycled pid is not).
 */
export function runningLogWriter(pidRoot: string): number | undefined {
  const socketPath = logWriterSocketPath(pidRoot);
  let pid: number;
  try {
    pid = Number(readFileSync(logWriterPidPath(socketPath), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid < 2) return undefined;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const state = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const zombie = /\) [ZX] /.test(state);
    return !zombie && args.some((a) => a.endsWith('procodile-logwriter.cjs')) && args.includes(socketPath) ? pid : undefined;
  } catch {
    return undefined;
  }
}
