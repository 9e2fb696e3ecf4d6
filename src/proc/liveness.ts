// Whether a pid is a live process, read from /proc so that zombies count as dead (D5): on
// hosts whose PID 1 does not reap orphans, kill(pid, 0) still finds a dead process.
import { closeSync, openSync, readSync, readdirSync } from 'node:fs';

export interface ProcStat {
  state: string;
  ppid: number;
  pgid: number;
  /** Clock ticks after boot; with the pid it identifies one process across pid reuse. */
  startTime: number;
}

const STAT_BUFFER = Buffer.alloc(4096);

/**
 * The fields of /proc/PID/stat after the command name, from field 3 (state) on: field N of
 * proc(5) is at index N - 3. The command name may contain spaces and parentheses, so the
 * fields start after the last ')'.
 */
export function readStatFields(pid: number): string[] | undefined {
  let text: string;
  try {
    const fd = openSync(`/proc/${pid}/stat`, 'r');
    try {
      // One read: the kernel produces the whole line at once, and it is far shorter than the
      // buffer. readFileSync would add an fstat and a second read for EOF, and this runs for
      // every instance on every status and supervise pass.
      text = STAT_BUFFER.toString('latin1', 0, readSync(fd, STAT_BUFFER, 0, STAT_BUFFER.length, null));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

export function readProcStat(pid: number): ProcStat | undefined {
  const fields = readStatFields(pid);
  if (fields === undefined) return undefined;
  return {
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    startTime: Number(fields[19]),
  };
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const stat = readProcStat(pid);
  if (stat === undefined) return false;
  return stat.state !== 'Z' && stat.state !== 'X';
}

/** True when `pid` is alive and is still the process that started at `startTime`. */
export function isSameProcess(pid: number, startTime: number | undefined): boolean {
  const stat = readProcStat(pid);
  if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** Whether any live (non-zombie) process is in the process group. */
export function groupHasLiveMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // kill(-pgid, 0) succeeds for zombies too; confirm with a scan of /proc.
  return listGroupMembers(pgid).length > 0;
}


/** Every live (non-zombie) process with its stat line, in one read of /proc. */
export function* liveProcesses(): Generator<[number, ProcStat]> {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return;
  }
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(entry);
    const stat = readProcStat(pid);
    if (stat !== undefined && stat.state !== 'Z' && stat.state !== 'X') yield [pid, stat];
  }
}

export function listGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const [pid, stat] of liveProcesses()) if (stat.pgid === pgid) members.push(pid);
  return members;
}
