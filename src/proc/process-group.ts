// Signals to a single pid or a whole process group, where "already gone" is not an error.
import { readProcStat } from './liveness.js';

export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Signals every process in group `pgid`; never our own group, whatever a pid file says. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (pgid <= 1 || pgid === ownProcessGroup()) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

let cachedOwnGroup: number | undefined;
function ownProcessGroup(): number {
  cachedOwnGroup ??= readProcStat(process.pid)?.pgid ?? -1;
  return cachedOwnGroup;
}
