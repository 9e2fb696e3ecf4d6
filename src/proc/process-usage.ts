// What processes use, read from /proc in one pass: CPU time (user + system, in clock ticks)
// and resident memory, with the parent and group links that say which instance each belongs to.
// It runs every few seconds for the life of the supervisor, over every process of the host,
// so each stat line is parsed in place in one reused buffer and only the processes asked for
// become objects: the rest of the host costs three system calls each and no garbage.
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
 * pgrp 2, utime 11, stime 12, starttime 19, rss 21. Every one but state is a non-negative
 * decimal.
 */
const LAST_FIELD = 21;

/**
 * The longest command name the kernel shows (a kernel worker's name with its queue's), plus
 * the pid and the parentheses: the last ')' is within this many bytes of the line's start.
 */
const HEAD_BYTES = 96;

/** Reads the non-negative decimal at `at` into `into.value`; the offset after it, or -1. */
function readNumber(buffer: Buffer, length: number, at: number, into: { value: number }): number {
  let value = 0;
  const from = at;
  for (; at < length; at += 1) {
    const digit = buffer[at]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  into.value = value;
  return at === from ? -1 : at;
}

const number = { value: 0 };

/**
 * Reads state, ppid and pgrp of a /proc/PID/stat line from `buffer[0, length)` into `into`,
 * without making strings; the offset after pgrp, or -1 for a line that is cut short or not a
 * stat line. The command name may hold spaces and parentheses, so the fields start after the
 * last ')' of the line's head. Split from the rest so that the processes the sampler does
 * not want cost only these few bytes.
 */
export function parseStatHead(buffer: Buffer, length: number, into: StatFields): number {
  let at = buffer.lastIndexOf(CLOSE_PAREN, Math.min(length, HEAD_BYTES) - 1);
  if (at < 0 || at + 4 >= length || buffer[at + 1] !== SPACE || buffer[at + 3] !== SPACE) return -1;
  into.state = buffer[at + 2]!;
  at = readNumber(buffer, length, at + 4, number);
  if (at < 0 || buffer[at] !== SPACE) return -1;
  into.ppid = number.value;
  at = readNumber(buffer, length, at + 1, number);
  into.pgid = number.value;
  return at;
}

/** The fields after pgrp, from the offset parseStatHead returned; false for a line cut short. */
export function parseStatTail(buffer: Buffer, length: number, at: number, into: StatFields): boolean {
  let utime = 0;
  for (let field = 3; field <= LAST_FIELD; field += 1) {
    if (at < 0 || at >= length || buffer[at] !== SPACE) return false;
    if (field === 11 || field === 12 || field === 19 || field === LAST_FIELD) {
      at = readNumber(buffer, length, at + 1, number);
      if (field === 11) utime = number.value;
      else if (field === 12) into.cpuTicks = utime + number.value;
      else if (field === 19) into.startTime = number.value;
      else into.rssPages = number.value;
    } else {
      // Skipped fields may be negative (priority, nice): only their end is looked for.
      const end = buffer.indexOf(SPACE, at + 1);
      at = end < 0 || end >= length || end === at + 1 ? -1 : end;
    }
  }
  // rss is followed by more fields: a line that ends right after it was cut short.
  return at > 0 && at < length && buffer[at] === SPACE;
}

/** A whole stat line: parseStatHead, then parseStatTail. */
export function parseStat(buffer: Buffer, length: number, into: StatFields): boolean {
  const at = parseStatHead(buffer, length, into);
  return at > 0 && parseStatTail(buffer, length, at, into);
}

const STAT_BUFFER = Buffer.alloc(4096);
const scratch: StatFields = { state: 0, ppid: 0, pgid: 0, cpuTicks: 0, startTime: 0, rssPages: 0 };

/** Reads /proc/PID/stat into STAT_BUFFER; its length, 0 when the process is gone. */
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

/**
 * The live processes that are in one of `groups` or are one of `pids`, with their usage, in
 * one pass over /proc. A process that exits between the listing and its read is skipped, as
 * are zombies.
 */
export function sampleProcesses(groups: ReadonlySet<number>, pids: ReadonlySet<number>, proc = '/proc'): ProcessUsage[] {
  const found: ProcessUsage[] = [];
  if (groups.size === 0 && pids.size === 0) return found;
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return found;
  }
  const page = systemPageSize();
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const length = readStat(`${proc}/${entry}/stat`);
    const at = parseStatHead(STAT_BUFFER, length, scratch);
    if (at < 0) continue;
    const pid = Number(entry);
    if (!groups.has(scratch.pgid) && !pids.has(pid)) continue;
    if (scratch.state === ZOMBIE || scratch.state === DEAD || !parseStatTail(STAT_BUFFER, length, at, scratch)) continue;
    found.push({ pid, ppid: scratch.ppid, pgid: scratch.pgid, startTime: scratch.startTime, cpuTicks: scratch.cpuTicks, rssBytes: scratch.rssPages * page });
  }
  return found;
}
