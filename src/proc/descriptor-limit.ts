// How many descriptors this process may hold open. Node has no getrlimit, so the soft
// RLIMIT_NOFILE is read from /proc/self/limits (Node raises it to the hard limit at start-up).
import { readFileSync } from 'node:fs';

/** The "Max open files" soft limit in a /proc/PID/limits text; undefined when unlimited or absent. */
export function parseOpenFilesLimit(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (match === null || match[1] === 'unlimited') return undefined;
  const value = Number(match[1]);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export function openFilesLimit(): number | undefined {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}
