// Preparing the pid directory for a new supervisor (as in Procodile): stale files go, files of
// instances that outlived their supervisor stay to be adopted (D5), and anything else alive
// stops the start with a clear explanation.
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/types.js';
import { describeFsError } from '../config/yaml-file.js';
import { ProcodileError, processesOfAnotherRoot, type Result, ok } from '../errors.js';
import { sameRoot } from '../config/paths.js';
import { isAlive } from '../proc/liveness.js';
import { adoptableRecords, readRecord, recordPath } from '../runtime/adoption-record.js';
import { ownedMembers } from '../runtime/ownership.js';
import { readPidFile } from '../runtime/pid-files.js';
import { heldBy, lockHolder } from '../runtime/supervisor-lock.js';

/** Creates the pid directory, never world-writable (D11). */
export function ensurePidDirectory(pidRoot: string): void {
  try {
    mkdirSync(pidRoot, { recursive: true, mode: 0o755 });
    // lstat: a pid_root replaced by a link must not get root to change the mode of its target.
    const stats = lstatSync(pidRoot);
    if (stats.isDirectory() && (stats.mode & 0o002) !== 0) chmodSync(pidRoot, stats.mode & 0o775);
  } catch (error) {
    throw new ProcodileError(
      'CONFIG_INVALID',
      `Cannot use ${pidRoot} as the pid directory: ${describeFsError(error)}. ` +
        'Set pid_root in Procfile.options (or Procfile.local) to a directory you can write.',
    );
  }
}

const visibleEntries = (dir: string): string[] => readdirSync(dir).filter((name) => !name.startsWith('.'));

/** Returns the lines to tell the user, or why the supervisor cannot start. */
export function tidyPidDirectory(config: AppConfig, clean: boolean): Result<string[]> {
  const { pidRoot } = config;
  const lines: string[] = [];
  const starting = lockHolder(pidRoot);
  if (starting !== undefined) return { ok: false, error: heldBy(starting, pidRoot) };
  rmSync(config.supervisorPidPath, { force: true });
  rmSync(config.sockPath, { force: true });
  if (clean) {
    for (const name of visibleEntries(pidRoot)) rmSync(join(pidRoot, name), { recursive: true, force: true });
    rmSync(recordPath(pidRoot), { force: true });
    lines.push('Emptied PID directory');
    return ok(lines);
  }
  const adoptable = new Set(adoptableRecords(pidRoot).map((r) => `${r.process}.${r.id}.pid`));
  const record = readRecord(pidRoot);
  const stoppingAlive = record.stoppingGroups.some((g) => ownedMembers(g).length > 0);
  if ((adoptable.size > 0 || stoppingAlive) && record.root !== undefined && !sameRoot(record.root, config.root)) {
    return { ok: false, error: processesOfAnotherRoot(pidRoot, record.root, config.root, 'adopt them') };
  }
  const recorded = new Set(record.instances.map((r) => `${r.process}.${r.id}.pid`));
  // The new supervisor finishes these stops; their pid files named processes on their way out.
  const stopping = new Set(record.stoppingGroups.map((g) => `${g.description}.pid`));
  const blocking: string[] = [];
  for (const name of visibleEntries(pidRoot)) {
    const path = join(pidRoot, name);
    if (adoptable.has(name)) {
      lines.push(`Found ${name.replace(/\.pid$/, '')} still running with PID ${readPidFile(path)}; it will be adopted`);
      continue;
    }
    if (!name.endsWith('.pid')) {
      blocking.push(name);
      continue;
    }
    const pid = readPidFile(path);
    if (stopping.has(name)) {
      rmSync(path, { force: true });
      lines.push(`Removed ${name} because its process was being stopped; the stop will be finished`);
    } else if (pid !== undefined && isAlive(pid) && recorded.has(name)) {
      // We recorded this instance, and the live process is not the one we started (D5).
      rmSync(path, { force: true });
      lines.push(`Removed ${name} because its process has gone (pid ${pid} now belongs to another program)`);
    } else if (pid !== undefined && isAlive(pid)) {
      lines.push(`Could not remove ${name} because process (${pid}) was active`);
      blocking.push(name);
    } else {
      rmSync(path, { force: true });
      lines.push(`Removed ${name} because process was not active`);
    }
  }
  if (blocking.length > 0) {
    return {
      ok: false,
      error: new ProcodileError(
        'PID_DIR_NOT_EMPTY',
        `${lines.map((l) => `${l}\n`).join('')}The PID directory (${pidRoot}) is not empty: ${blocking.join(', ')}. Cannot start unless things are clean. ` +
          'If those processes belong to this application, stop them yourself (`procodile kill` stops only what ' +
          "the supervisor's record vouches for); or start with --clean to forget them.",
      ),
    };
  }
  return ok(lines);
}
