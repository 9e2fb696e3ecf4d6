// What processes use, read from /proc in one pass: CPU time (user + system, in clock ticks)
// and resident memory, with the parent and group links that say which instance each belongs to.
// It runs every few seconds for the life of the supervisor, so it reads as little as it can:
// a process of the host that cannot be part of an instance is read once, not every pass, each
// stat line is parsed in place in one reused buffer, and only the processes asked for become
// objects (README.md, "Seeing what runs").
import { closeSync, openSync, readSync, readdirSync } from 'node:fs';
import type { ProcessFacts } from './process-tree.js';

export interface ProcessUsage extends ProcessFacts {
  /** utime + stime, in clock ticks (USER_HZ, 100 a second). */
  cpuTicks: number;
  rssBytes: number;
}

/** USER_HZ: 100 on every architecture Node runs on (see process-tree.ts). */
export const TICKS_PER_SECOND = 100;

const FALLBACK_PAGE_SIZE = 4096;
let pageSize: number | undefined;

/**
 * The kernel's page size, from the first mapping of our own /proc/self/smaps: Node has no
 * sysconf, and 64 KiB pages are common on arm64 servers, so 4096 cannot be assumed.
 */
export function systemPageSize(): number {
  if (pageSize !== undefined) return pageSize;
  pageSize = FALLBACK_PAGE_SIZE;
  try {
    const buffer = Buffer.alloc(8192);
    const fd = openSync('/proc/self/smaps', 'r');
    try {
      const text = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, null));
      const kb = /KernelPageSize:\s+(\d+) kB/.exec(text)?.[1];
      if (kb !== undefined && Number(kb) > 0) pageSize = Number(kb) * 1024;
    } finally {
      closeSync(fd);
    }
  } catch {
    // No smaps (a restricted /proc): the common page size is the best guess.
  }
  return pageSize;
}

/** The fields of one stat line the sampler needs; filled in place, never kept. */
export interface StatFields {
  /** The state letter's byte ('R', 'S', 'Z'...). */
  state: number;
  ppid: number;
  pgid: number;
  session: number;
  cpuTicks: number;
  startTime: number;
  rssPages: number;
}

const SPACE = 0x20;
const CLOSE_PAREN = 0x29;
const ZOMBIE = 0x5a;
const DEAD = 0x58;
/**
 * Positions after the command name (field N of proc(5) is position N - 3): state 0, ppid 1,
 * pgrp 2, session 3, utime 11, stime 12, starttime 19, rss 21. Every one but state is a
 * non-negative decimal.
 */
const LAST_FIELD = 21;

/**
 * The longest command name the kernel shows (a kernel worker's name with its queue's), plus
 * the pid and the parentheses: the last ')' is within this many bytes of the line's start.
 */
const HEAD_BYTES = 96;

/**
 * Reads state, ppid, pgrp and session of a /proc/PID/stat line from `buffer[0, length)` into
 * `into`, without making strings; the offset of the space after session, or -1 for a line cut
 * short or not a stat line. The command name may hold spaces and parentheses, so the fields
 * start after the last ')' of the line's head. Split from the rest so that the processes the
 * sampler does not want cost only these few bytes.
 *
 * Plain byte loops over the numbers rather than Buffer.indexOf per field or a string split:
 * the supervisor runs without V8's optimising compilers, where each call into Buffer's own
 * JavaScript costs more than the few bytes it skips, and a split leaves some fifty strings of
 * garbage per process.
 */
export function parseStatHead(buffer: Buffer, length: number, into: StatFields): number {
  // Buffer's own lastIndexOf: one call, where a byte loop would step through the whole name.
  let at = length > 0 ? buffer.lastIndexOf(CLOSE_PAREN, Math.min(length, HEAD_BYTES) - 1) : -1;
  if (at < 0 || at + 4 >= length || buffer[at + 1] !== SPACE || buffer[at + 3] !== SPACE) return -1;
  into.state = buffer[at + 2]!;
  let field = 1;
  let value = 0;
  let digits = 0;
  for (at += 4; at < length; at += 1) {
    const byte = buffer[at]!;
    if (byte === SPACE) {
      if (digits === 0) return -1;
      if (field === 1) into.ppid = value;
      else if (field === 2) into.pgid = value;
      else {
        into.session = value;
        return at;
      }
      field += 1;
      value = 0;
      digits = 0;
    } else if (byte >= 48 && byte <= 57) {
      value = value * 10 + byte - 48;
      digits += 1;
    } else {
      return -1;
    }
  }
  return -1;
}

/** The fields after session, from the offset parseStatHead returned; false for a line cut short. */
export function parseStatTail(buffer: Buffer, length: number, at: number, into: StatFields): boolean {
  // `at` is on the space after session (position 3); every space starts the next field.
  let field = 3;
  let value = 0;
  let digitsOnly = true;
  let utime = 0;
  for (; at < length; at += 1) {
    const byte = buffer[at]!;
    if (byte !== SPACE) {
      value = value * 10 + byte - 48;
      if (byte < 48 || byte > 57) digitsOnly = false;
      continue;
    }
    // Fields skipped may be negative (priority, nice); a field read is only digits.
    if (!digitsOnly && (field === 11 || field === 12 || field === 19 || field === LAST_FIELD)) return false;
    if (field === 11) utime = value;
    else if (field === 12) into.cpuTicks = utime + value;
    else if (field === 19) into.startTime = value;
    else if (field === LAST_FIELD) {
      into.rssPages = value;
      return true;
    }
    field += 1;
    value = 0;
    digitsOnly = true;
  }
  // rss is followed by more fields: a line that ends before the space after it was cut short.
  return false;
}

/** A whole stat line: parseStatHead, then parseStatTail. */
export function parseStat(buffer: Buffer, length: number, into: StatFields): boolean {
  const at = parseStatHead(buffer, length, into);
  return at >= 0 && parseStatTail(buffer, length, at, into);
}

const STAT_BUFFER = Buffer.alloc(4096);

/** Reads PATH into STAT_BUFFER; its length, 0 when the process is gone. */
function readStat(path: string): number {
  try {
    const fd = openSync(path, 'r');
    try {
      // One read: the kernel writes the whole line at once, far shorter than the buffer.
      return readSync(fd, STAT_BUFFER, 0, STAT_BUFFER.length, null);
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}

/** Every this many passes, every process is read again, whatever was learnt before. */
export const FULL_READ_EVERY = 12;

/** The last pid the kernel handed out in procodile's pid namespace, or undefined. */
function readLastPid(proc: string): number | undefined {
  const length = readStat(`${proc}/sys/kernel/ns_last_pid`);
  const value = Number.parseInt(STAT_BUFFER.toString('latin1', 0, length), 10);
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Reads the usage of the processes the sampler asks for, one pass over /proc each time. A
 * process of another session can never join an instance's group (a process only ever moves to
 * a session of its own, and a group lies within one session), so once read, such a process is
 * skipped for as long as its pid stays listed: most of the host costs a lookup in a map rather
 * than three system calls. The instances' sessions are those of the groups asked for and of
 * their members: a group followed through a pid file need not lead its session, and another
 * group of that session may still join it. Pids are handed out in a cycle, so a skipped pid
 * can only be handed out anew once the counter wraps: a pass that finds the last pid handed
 * out lower than the pass before forgets every skip. As a bound all the same, every
 * FULL_READ_EVERY passes read everything, as does a pass asked for a new group.
 */
export class UsageReader {
  readonly #proc: string;
  /** Pids known to be outside every instance's session, with the pass that last listed them. */
  readonly #outside = new Map<number, number>();
  /** The groups the last pass was asked for. */
  readonly #groups = new Set<number>();
  /** The sessions of the members found in this pass, where they are not groups asked for. */
  readonly #memberSessions = new Set<number>();
  /** Pids this pass took for outsiders, each followed by its session: kept unless that is a member's. */
  readonly #newOutsiders: number[] = [];
  readonly #fields: StatFields = { state: 0, ppid: 0, pgid: 0, session: 0, cpuTicks: 0, startTime: 0, rssPages: 0 };
  #pass = 0;
  #lastPid: number | undefined;

  constructor(proc = '/proc') {
    this.#proc = proc;
  }

  /**
   * The live processes that are in one of `groups` (an instance's group is also its session)
   * or are one of `pids`, with their usage. A process that exits between the listing and its
   * read is skipped, as are zombies.
   */
  read(groups: ReadonlySet<number>, pids: ReadonlySet<number>): ProcessUsage[] {
    const found: ProcessUsage[] = [];
    if (groups.size === 0 && pids.size === 0) return found;
    let entries: string[];
    try {
      entries = readdirSync(this.#proc);
    } catch {
      return found;
    }
    this.#pass += 1;
    const pass = this.#pass;
    // A group new to the reader may be one that existed before it was an instance's (a
    // daemon whose pid file the supervisor now follows): its processes were skipped as outsiders.
    let newGroup = false;
    for (const group of groups) if (!this.#groups.has(group)) newGroup = true;
    this.#groups.clear();
    for (const group of groups) this.#groups.add(group);
    // Read after the listing: a pid handed out anew before it shows as a wrap here.
    const lastPid = readLastPid(this.#proc);
    const wrapped = lastPid !== undefined && this.#lastPid !== undefined && lastPid < this.#lastPid;
    this.#lastPid = lastPid;
    if (newGroup || wrapped || pass % FULL_READ_EVERY === 0) this.#outside.clear();
    const outside = this.#outside;
    const memberSessions = this.#memberSessions;
    const newOutsiders = this.#newOutsiders;
    memberSessions.clear();
    newOutsiders.length = 0;
    const into = this.#fields;
    const page = systemPageSize();
    for (const entry of entries) {
      const c = entry.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(entry);
      if (outside.has(pid) && !pids.has(pid)) {
        outside.set(pid, pass);
        continue;
      }
      const length = readStat(`${this.#proc}/${entry}/stat`);
      const at = parseStatHead(STAT_BUFFER, length, into);
      if (at < 0) continue;
      if (!groups.has(into.pgid) && !pids.has(pid)) {
        if (!groups.has(into.session)) {
          outside.set(pid, pass);
          newOutsiders.push(pid, into.session);
        }
        continue;
      }
      if (groups.has(into.pgid) && !groups.has(into.session)) memberSessions.add(into.session);
      if (into.state === ZOMBIE || into.state === DEAD || !parseStatTail(STAT_BUFFER, length, at, into)) continue;
      found.push({ pid, ppid: into.ppid, pgid: into.pgid, startTime: into.startTime, cpuTicks: into.cpuTicks, rssBytes: into.rssPages * page });
    }
    if (memberSessions.size > 0) {
      for (let i = 0; i < newOutsiders.length; i += 2) if (memberSessions.has(newOutsiders[i + 1]!)) outside.delete(newOutsiders[i]!);
    }
    // A pid no longer listed has exited: when it is handed out again, it must be read.
    for (const [pid, seen] of outside) if (seen !== pass) outside.delete(pid);
    return found;
  }
}
