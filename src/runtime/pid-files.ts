// The per-instance pid files `PIDS/NAME.N.pid`: written at spawn, watched for a process that
// replaces itself (as in Procodile), removed when the instance is finished with.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically, writeFileIfAbsent } from './safe-files.js';

export function instancePidFile(pidRoot: string, description: string): string {
  return join(pidRoot, `${description}.pid`);
}

export function writePidFile(path: string, pid: number): void {
  writeFileAtomically(path, `${pid}\n`);
}

/** Writes the pid unless the file exists already (the process wrote its own first): false then. */
export function claimPidFile(path: string, pid: number): boolean {
  return writeFileIfAbsent(path, `${pid}\n`);
}

export function readPidFile(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (!/^\d+$/.test(text)) return undefined;
    return Number(text);
  } catch {
    return undefined;
  }
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}
