// Finds the live supervisor of an application root through /proc rather than through its pid
// directory: when `current` is switched under a relative pid_root, the pid directory the CLI
// computes is a new, empty one, while the supervisor still runs from the old release.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isAlive } from '../proc/liveness.js';
import { lockPath } from '../runtime/supervisor-lock.js';

export interface RunningSupervisor {
  pid: number;
  /** The real directory of its lock file, symlinks resolved; unknown for an older supervisor. */
  pidDirectory?: string;
}

const LOCK_NAME = basename(lockPath('/'));

function readTitle(pid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
  } catch {
    return undefined;
  }
}

function lockDirectory(pid: string): string | undefined {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (basename(target) === LOCK_NAME) return dirname(target);
    } catch {
      // Closed meanwhile.
    }
  }
  return undefined;
}

/**
 * The root named in a live supervisor's process title (`[procodile] APP (ROOT)`), or undefined
 * when the title cannot be read or is not whole (a long title is cut to the room the kernel
 * gave the original command line). Roots are absolute, so the root starts at the first ` (/`.
 */
export function supervisorRootOf(pid: number): string | undefined {
  const title = readTitle(String(pid))?.trimEnd();
  if (title === undefined || !title.startsWith('[procodile] ') || !title.endsWith(')')) return undefined;
  const start = title.indexOf(' (/');
  return start === -1 ? undefined : title.slice(start + 2, -1);
}

/**
 * Supervisors whose process title (`[procodile] APP (ROOT)`, set by run-supervisor.ts) names
 * exactly this root, as given. Only another user's processes we cannot read are missed.
 */
export function findSupervisorsOf(root: string): RunningSupervisor[] {
  const suffix = ` (${root})`;
  const found: RunningSupervisor[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const title = readTitle(entry)?.trimEnd();
    if (title === undefined || !title.startsWith('[procodile] ') || !title.endsWith(suffix)) continue;
    if (!isAlive(Number(entry))) continue;
    const pidDirectory = lockDirectory(entry);
    found.push(pidDirectory === undefined ? { pid: Number(entry) } : { pid: Number(entry), pidDirectory });
  }
  return found;
}
