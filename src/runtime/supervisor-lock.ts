// One supervisor per pid directory. Two `procodile start` at the same moment each see no
// supervisor and each launch one; without this, the second deletes the first's socket and pid
// file and both manage the same processes. The lock file is created exclusively (O_EXCL), so
// exactly one of them wins; the other stops before touching anything.
import { closeSync, constants, fchmodSync, fstatSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ProcodileError } from '../errors.js';
import { writeFileAtomically } from './safe-files.js';
import { isAlive, readProcStat } from '../proc/liveness.js';
import { describeFsError } from '../config/yaml-file.js';

/** Hidden, so the pid directory tidy-up (as in Procodile) neither removes nor complains about it. */
export function lockPath(pidRoot: string): string {
  return join(pidRoot, '.procodile.lock');
}

/** A live process whose command line is procodile's: a recycled pid is not a supervisor. */
export function isProcodileProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('procodile');
  } catch {
    return false;
  }
}

/** `PID STARTTIME`: with the start time, a recycled pid is never taken for the holder (D5). */
function lockContent(pid: number): string {
  return `${pid} ${readProcStat(pid)?.startTime ?? 0}\n`;
}

/** Longer than any `PID STARTTIME`: a bigger lock file is not one of ours. */
const MAX_LOCK_BYTES = 64;

/**
 * The lock file's text, read without following a link, without blocking on a FIFO and without
 * reading more than a lock can hold: an early supervisor polls it before anything has checked
 * who else can write the pid directory.
 */
function readLockFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(MAX_LOCK_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return length > MAX_LOCK_BYTES ? undefined : buffer.toString('utf8', 0, length);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The `PID STARTTIME` the lock file names, whoever that is. */
function lockOwner(pidRoot: string): { pid: number; startTime: number | undefined } | undefined {
  const text = readLockFile(lockPath(pidRoot));
  if (text === undefined) return undefined;
  const [pidText = '', startText] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, startTime: startText === undefined ? undefined : Number(startText) };
}

/** Whether the lock names `pid` as it is now (its start time included). */
export function lockNames(pidRoot: string, pid: number): boolean {
  const owner = lockOwner(pidRoot);
  return owner?.pid === pid && owner.startTime === readProcStat(pid)?.startTime;
}

/** The live supervisor (not this process) holding the lock, if any. */
export function lockHolder(pidRoot: string): number | undefined {
  const owner = lockOwner(pidRoot);
  if (owner === undefined || owner.pid === process.pid || !isProcodileProcess(owner.pid)) return undefined;
  if (owner.startTime !== undefined && readProcStat(owner.pid)?.startTime !== owner.startTime) return undefined;
  return owner.pid;
}

/** What a second supervisor, or a start that would tidy the first one's files, is told. */
export function heldBy(holder: number, pidRoot: string): ProcodileError {
  return new ProcodileError(
    'SUPERVISOR_RUNNING',
    `A procodile supervisor (PID ${holder}) is already starting or running with the pid directory ${pidRoot}. ` +
      'Use that one (`procodile status`), or stop it first.',
  );
}

/**
 * Takes the lock for this process's life (released when it exits), or throws when a live
 * supervisor holds it.
 */
export function holdSupervisorLock(pidRoot: string): void {
  const path = lockPath(pidRoot);
  // Two tries: the first may find the lock of a supervisor that was killed (SIGKILL, OOM).
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      // O_EXCL already refuses a planted link; O_NOFOLLOW says so, and fchmod pins the mode.
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        fchmodSync(fd, 0o600);
        writeSync(fd, lockContent(process.pid));
      } catch (error) {
        closeSync(fd);
        throw error;
      }
      // Kept open for the supervisor's life: /proc/PID/fd then names the real pid directory
      // even after a symlink on its path was switched, which is how the CLI finds this
      // supervisor once `current` points elsewhere (find-supervisor.ts).
      releaseOnExit(pidRoot);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ProcodileError('CONFIG_INVALID', `Cannot create ${path}: ${describeFsError(error)}. Check pid_root and its permissions.`);
      }
      const holder = lockHolder(pidRoot);
      if (holder !== undefined) throw heldBy(holder, pidRoot);
      rmSync(path, { force: true });
    }
  }
  throw new ProcodileError('SUPERVISOR_RUNNING', `Another procodile supervisor is starting with the pid directory ${pidRoot}; try again.`);
}

function releaseOnExit(pidRoot: string): void {
  process.once('exit', () => {
    try {
      if (lockOwner(pidRoot)?.pid === process.pid) rmSync(lockPath(pidRoot), { force: true });
    } catch {
      // Already gone (`--clean`, or removed by hand): nothing to give back.
    }
  });
}

/**
 * `start` takes the lock before it launches the daemon and hands it over here: the daemon
 * spends a while reading the configuration before it could take the lock itself, and a second
 * `start` in that window must find the pid directory taken (README "Running an application").
 * The file is replaced in one rename, so it always names a live holder.
 */
export function handOverSupervisorLock(pidRoot: string, pid: number): void {
  if (lockOwner(pidRoot)?.pid !== process.pid) return;
  const path = lockPath(pidRoot);
  try {
    writeFileAtomically(path, lockContent(pid), 0o600);
  } catch (error) {
    throw new ProcodileError('CONFIG_INVALID', `Cannot write ${path}: ${describeFsError(error)}. Check pid_root and its permissions.`);
  }
}

/** How long a daemon waits for the `start` that launched it to hand the lock over. */
const HANDOVER_WAIT_MS = 5000;

/**
 * The daemon's side of the hand-over: keeps the lock when it already names this process, waits
 * while the `start` that launched it (its parent) still holds it, and otherwise takes it as a
 * foreground supervisor does.
 */
export async function claimSupervisorLock(pidRoot: string): Promise<void> {
  const deadline = Date.now() + HANDOVER_WAIT_MS;
  for (;;) {
    if (lockNames(pidRoot, process.pid)) {
      // Held open for the supervisor's life, as holdSupervisorLock does (find-supervisor.ts).
      openSync(lockPath(pidRoot), constants.O_RDONLY | constants.O_NOFOLLOW);
      releaseOnExit(pidRoot);
      return;
    }
    const owner = lockOwner(pidRoot);
    if (owner?.pid !== process.ppid || !isAlive(owner.pid) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  holdSupervisorLock(pidRoot);
}
