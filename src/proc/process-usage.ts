// What processes use, read from /proc in one scan: CPU time (user + system, in clock ticks)
// and resident memory, with the parent and group links that say which instance each belongs to.
import { closeSync, openSync, readSync, readdirSync } from 'node:fs';
import { readStatFields } from './liveness.js';
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

/** One process's usage, or undefined when it is gone or a zombie. */
export function readProcessUsage(pid: number): ProcessUsage | undefined {
  const fields = readStatFields(pid);
  if (fields === undefined) return undefined;
  const state = fields[0];
  if (state === 'Z' || state === 'X') return undefined;
  return {
    pid,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    startTime: Number(fields[19]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    rssBytes: Number(fields[21]) * systemPageSize(),
  };
}

/** Every live process with its usage, one read of /proc. */
export function sampleProcesses(): ProcessUsage[] {
  const found: ProcessUsage[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const usage = readProcessUsage(Number(entry));
    if (usage !== undefined) found.push(usage);
  }
  return found;
}
