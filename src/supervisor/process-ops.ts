// Everything the supervisor does to operating-system processes and their pid files, behind one
// interface: the real implementation reads /proc and sends signals; unit tests hand in a fake
// process table and drive exits, respawns and stops without starting anything.
import { groupHasLiveMembers, isAlive, isSameProcess, readProcStat, type ProcStat } from '../proc/liveness.js';
import { ownProcessGroup, signalGroup, signalPid } from '../proc/process-group.js';
import { describeCommand, isPartOfInstance, snapshotProcesses, ticksSinceBoot, type ProcessFacts } from '../proc/process-tree.js';
import { claimPidFile, readPidFile, removePidFile, writePidFile } from '../runtime/pid-files.js';
import { UsageReader, type ProcessUsage } from '../proc/process-usage.js';
import { spawnProcess, type SpawnOutcome, type SpawnSpec } from './spawn-instance.js';

export interface ProcessOps {
  spawn(spec: SpawnSpec): Promise<SpawnOutcome>;
  /** False when the process is gone (or is one we never signal: below 2, ourselves). */
  signalPid(pid: number, signal: NodeJS.Signals): boolean;
  /** False when the group is gone (or is one we never signal: below 2, our own). */
  signalGroup(pgid: number, signal: NodeJS.Signals): boolean;
  stat(pid: number): ProcStat | undefined;
  /** Alive and not a zombie. */
  isAlive(pid: number): boolean;
  /** Alive and, when `startTime` is given, still the process that started then. */
  isSameProcess(pid: number, startTime: number | undefined): boolean;
  groupHasLiveMembers(pgid: number): boolean;
  /** Whether `candidate` belongs to the instance whose main process is `pid`, group `pgid`. */
  isPartOfInstance(candidate: number, pid: number | undefined, pgid: number | undefined): boolean;
  /** Every live process, for the group and descendant checks that need the whole tree. */
  snapshot(): ProcessFacts[];
  /** The live processes of these groups and these pids, with CPU time and resident memory. */
  sampleProcesses(groups: ReadonlySet<number>, pids: ReadonlySet<number>): ProcessUsage[];
  describeCommand(pid: number): string;
  /** The boot clock in the unit of process start times. */
  ticksSinceBoot(): number | undefined;
  readPidFile(path: string): number | undefined;
  writePidFile(path: string, pid: number): void;
  /** Creates the pid file unless it exists; false when it did. */
  claimPidFile(path: string, pid: number): boolean;
  removePidFile(path: string): void;
}

/** One for the process: it remembers which pids of the host need not be read again. */
const usageReader = new UsageReader();

export const systemProcessOps: ProcessOps = {
  spawn: spawnProcess,
  signalPid,
  signalGroup,
  stat: readProcStat,
  isAlive,
  isSameProcess,
  groupHasLiveMembers,
  isPartOfInstance: (candidate, pid, pgid) => isPartOfInstance(candidate, pid, pgid, ownProcessGroup()),
  snapshot: snapshotProcesses,
  sampleProcesses: (groups, pids) => usageReader.read(groups, pids),
  describeCommand,
  ticksSinceBoot,
  readPidFile,
  writePidFile,
  claimPidFile,
  removePidFile,
};
