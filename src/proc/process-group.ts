// Signals to a single pid or a whole process group, where "already gone" is not an error.
// Whatever a pid file or record says, PID 0 and 1, the supervisor itself and its own group
// are never signalled: kill(0) or kill(-1) would reach far more than one process.
import { readProcStat } from './liveness.js';

export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pid) || pid < 2 || pid === process.pid) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Signals every process in group `pgid`; never our own group, whatever a pid file says. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid < 2 || pgid === ownProcessGroup()) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

let cachedOwnGroup: number | undefined;
/** The supervisor's (or CLI's) own process group; -1 when /proc cannot say. */
export function ownProcessGroup(): number {
  cachedOwnGroup ??= readProcStat(process.pid)?.pgid ?? -1;
  return cachedOwnGroup;
}
