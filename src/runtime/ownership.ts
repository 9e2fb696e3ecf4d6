// The one rule for "is this process ours": what procodile signals, adopts or kills must be
// vouched for by what it recorded when it started it (pid and start time, or its process
// group while the group still looks like the one recorded), never by a pid file alone, which
// anyone who can write it can point at any process (README.md, "Pid files and what procodile
// signals"). kill, the pid directory tidy-up, adoption and the supervisor's sweeps use it.
import { readProcStat } from '../proc/liveness.js';
import { groupMembers, type ProcessFacts } from '../proc/process-tree.js';

/** A process group on its way out, as the adoption record keeps it. */
export interface StoppingGroup {
  /** The instance it belonged to (e.g. web.1), for messages and its pid file. */
  description: string;
  pgid: number;
  /** Start time of the group's leader (the process whose pid is the group id), if known. */
  leaderStartTime?: number;
  /** Boot-clock ticks when the stop began: a member of our group had started by then. */
  since?: number;
  /** Unix milliseconds after which whatever is left gets SIGKILL. */
  killAt: number;
}

/**
 * The live members of `group` if it is still the group we were stopping, none otherwise.
 * A reused group id has a new leader (a different start time under the same pid) and only
 * members started after ours had all gone, so after the stop began.
 */
export function ownedMembers(group: Omit<StoppingGroup, 'killAt' | 'description'>, snapshot?: ProcessFacts[]): ProcessFacts[] {
  if (!Number.isInteger(group.pgid) || group.pgid < 2) return [];
  const members = groupMembers(group.pgid, snapshot);
  const leader = members.find((m) => m.pid === group.pgid);
  if (leader !== undefined && group.leaderStartTime !== undefined && leader.startTime !== group.leaderStartTime) return [];
  const since = group.since;
  if (since !== undefined && !members.some((m) => m.startTime <= since)) return [];
  return members;
}

/** What the record says of one instance: enough to recognise its processes later. */
export interface RecordedProcess {
  pid: number;
  pgid?: number;
  procStartTime?: number;
}

/**
 * Whether live `pid` is the recorded instance's: the recorded process itself (same start
 * time), or a member of its recorded group while that group is still the one we started (a
 * successor it wrote into its pid file, or a worker).
 */
export function isRecordedProcess(recorded: RecordedProcess, pid: number, snapshot?: ProcessFacts[]): boolean {
  if (pid === recorded.pid) return recorded.procStartTime !== undefined && readProcStat(pid)?.startTime === recorded.procStartTime;
  if (recorded.pgid === undefined) return false;
  const leaderStartTime = recorded.pid === recorded.pgid ? recorded.procStartTime : undefined;
  return ownedMembers({ pgid: recorded.pgid, leaderStartTime }, snapshot).some(
    (m) => m.pid === pid && (leaderStartTime === undefined || m.startTime >= leaderStartTime),
  );
}
