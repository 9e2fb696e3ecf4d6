// One supervisor per pid directory. Two `procodile start` at the same moment each see no
// supervisor and each launch one; without this, the second deletes the first's socket and pid
// file and both manage the same processes. The lock file is created exclusively (O_EXCL), so
// exactly one of them wins; the other stops before touching anything.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ProcodileError, fail, ok, type Result } from '../errors.js';
import { isAlive, readProcStat } from '../proc/liveness.js';
import { describeFsError } from '../config/yaml-file.js';

/** Hidden, so the pid directory tidy-up (spec 5.1) neither removes nor complains about it. */
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

/** The live supervisor (not this process) holding the lock, if any. */
export function lockHolder(pidRoot: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath(pidRoot), 'utf8');
  } catch {
    return undefined;
  }
  const [pidText = '', startText] = text.trim().split(' ');
  const holder = Number(pidText);
  if (!Number.isInteger(holder) || holder <= 0 || holder === process.pid || !isProcodileProcess(holder)) return undefined;
  if (startText !== undefined && readProcStat(holder)?.startTime !== Number(startText)) return undefined;
  return holder;
}

/** Takes the lock for this process's life, released when it exits. */
export function holdSupervisorLock(pidRoot: string): void {
  const lock = acquireSupervisorLock(pidRoot);
  if (!lock.ok) throw lock.error;
  process.once('exit', lock.value);
}

/** Takes the lock; the function returned gives it back. */
export function acquireSupervisorLock(pidRoot: string): Result<() => void> {
  const path = lockPath(pidRoot);
  // Two tries: the first may find the lock of a supervisor that was killed (SIGKILL, OOM).
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, lockContent(process.pid));
      } finally {
        closeSync(fd);
      }
      return ok(() => {
        try {
          if (readFileSync(path, 'utf8').split(' ')[0] === String(process.pid)) rmSync(path, { force: true });
        } catch {
          // Already gone (`--clean`, or removed by hand): nothing to give back.
        }
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        return fail('CONFIG_INVALID', `Cannot create ${path}: ${describeFsError(error)}. Check pid_root and its permissions.`);
      }
      const holder = lockHolder(pidRoot);
      if (holder !== undefined) {
        return {
          ok: false,
          error: new ProcodileError(
            'SUPERVISOR_RUNNING',
            `Another procodile supervisor (PID ${holder}) already runs with the pid directory ${pidRoot}. ` +
              'Use that one (`procodile status`), or stop it first.',
          ),
        };
      }
      rmSync(path, { force: true });
    }
  }
  return fail('SUPERVISOR_RUNNING', `Another procodile supervisor is starting with the pid directory ${pidRoot}; try again.`);
}
