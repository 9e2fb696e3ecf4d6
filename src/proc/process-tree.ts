// Who belongs to an instance: the parent links and process groups read from /proc. A pid
// file is only a claim, so a pid named there is followed or signalled only when the process
// tree says it is part of the instance (README.md, "Pid files and what procodile signals").
import { readFileSync } from 'node:fs';
import { liveProcesses, readProcStat } from './liveness.js';

export interface ProcessFacts {
  pid: number;
  ppid: number;
  pgid: number;
  /** Clock ticks after boot. */
  startTime: number;
}

/**
 * The kernel reports start times in USER_HZ ticks, which is 100 on every architecture Node
 * runs on (x86, arm, arm64, ppc64, s390x, riscv64, loong64).
 */
const USER_HZ = 100;

/** A parent chain longer than this is not an instance's tree (and cannot loop forever). */
const MAX_DEPTH = 64;

const isLive = (state: string): boolean => state !== 'Z' && state !== 'X';

/** Every live process, one read of /proc. */
export function snapshotProcesses(): ProcessFacts[] {
  const found: ProcessFacts[] = [];
  for (const [pid, stat] of liveProcesses()) found.push({ pid, ppid: stat.ppid, pgid: stat.pgid, startTime: stat.startTime });
  return found;
}

/** Live members of a process group, with their start times. */
export function groupMembers(pgid: number, snapshot: ProcessFacts[] = snapshotProcesses()): ProcessFacts[] {
  return snapshot.filter((p) => p.pgid === pgid);
}

/** The boot clock now, in the unit of start times. */
export function ticksSinceBoot(): number | undefined {
  try {
    const seconds = Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
    return Number.isFinite(seconds) ? Math.ceil(seconds * USER_HZ) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether live `candidate` is part of the instance whose main process is `pid` and whose
 * group is `pgid`: a member of that group, or a descendant of the main process or of a
 * member of the group. Never true for PID 0 or 1, or for the supervisor's own group.
 */
export function isPartOfInstance(candidate: number, pid: number | undefined, pgid: number | undefined, ownGroup: number): boolean {
  if (!Number.isInteger(candidate) || candidate < 2 || candidate === process.pid) return false;
  const stat = readProcStat(candidate);
  if (stat === undefined || !isLive(stat.state)) return false;
  const group = pgid !== undefined && pgid >= 2 && pgid !== ownGroup ? pgid : undefined;
  if (group !== undefined && stat.pgid === group) return true;
  let ancestor = stat.ppid;
  for (let depth = 0; depth < MAX_DEPTH && ancestor >= 2; depth += 1) {
    if (ancestor === pid) return true;
    const up = readProcStat(ancestor);
    if (up === undefined) return false;
    if (group !== undefined && up.pgid === group) return true;
    ancestor = up.ppid;
  }
  return false;
}

/**
 * Descendants of the instance (of its main process or of any member of its group) that have
 * left the group, e.g. with setsid. Only the topmost of each escaped subtree is returned.
 */
export function escapedDescendants(snapshot: ProcessFacts[], pid: number | undefined, pgid: number): ProcessFacts[] {
  const { children, groups, byPid } = indexOf(snapshot);
  const escaped: ProcessFacts[] = [];
  const inside = [...(groups.get(pgid) ?? [])];
  const main = pid === undefined ? undefined : byPid.get(pid);
  if (main !== undefined && main.pgid !== pgid) inside.push(main);
  const seen = new Set(inside.map((p) => p.pid));
  const queue = [...inside];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next.pid) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      if (child.pgid === pgid) queue.push(child);
      else escaped.push(child);
    }
  }
  return escaped;
}

interface SnapshotIndex {
  children: Map<number, ProcessFacts[]>;
  groups: Map<number, ProcessFacts[]>;
  byPid: Map<number, ProcessFacts>;
}

/**
 * One snapshot serves every instance stopped at the same moment: indexed once, so stopping
 * thousands of instances is not thousands of passes over thousands of processes.
 */
const indexes = new WeakMap<ProcessFacts[], SnapshotIndex>();

function indexOf(snapshot: ProcessFacts[]): SnapshotIndex {
  const known = indexes.get(snapshot);
  if (known !== undefined) return known;
  const index: SnapshotIndex = { children: new Map(), groups: new Map(), byPid: new Map() };
  const add = (map: Map<number, ProcessFacts[]>, key: number, p: ProcessFacts): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [p]);
    else list.push(p);
  };
  for (const p of snapshot) {
    add(index.children, p.ppid, p);
    add(index.groups, p.pgid, p);
    index.byPid.set(p.pid, p);
  }
  indexes.set(snapshot, index);
  return index;
}

/** A process's command line as a safe single line for logs and status (it is the process's own text). */
export function describeCommand(pid: number): string {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return '?';
  }
  const line = text.replaceAll('\0', ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').trim();
  const short = line.length > 120 ? `${line.slice(0, 117)}...` : line;
  return short === '' ? '?' : short;
}
