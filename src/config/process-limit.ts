// How many processes this machine lets the application have, for the check that the quantities
// in the options files add up to something that can run (README "Options files").
import { readFileSync } from 'node:fs';

export interface ProcessLimit {
  /** The lowest of the limits below: the total of all quantities must stay within half of it. */
  max: number;
  /** How the limit was found, for the message. */
  source: string;
}

/**
 * The kernel's pid limit and, for a user other than root (the kernel does not apply it to
 * root), the soft RLIMIT_NPROC (`ulimit -u`). Undefined when neither can be read.
 */
export function machineProcessLimit(): ProcessLimit | undefined {
  const limits: ProcessLimit[] = [];
  const pidMax = readNumber('/proc/sys/kernel/pid_max', /^(\d+)/);
  if (pidMax !== undefined) limits.push({ max: pidMax, source: `kernel.pid_max is ${pidMax}` });
  if (process.getuid?.() !== 0) {
    const nproc = readNumber('/proc/self/limits', /^Max processes\s+(\d+)/m);
    if (nproc !== undefined) limits.push({ max: nproc, source: `ulimit -u is ${nproc}` });
  }
  return limits.sort((a, b) => a.max - b.max)[0];
}

function readNumber(path: string, pattern: RegExp): number | undefined {
  try {
    const match = pattern.exec(readFileSync(path, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}
