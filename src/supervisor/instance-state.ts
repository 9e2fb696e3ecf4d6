// The states of one instance and the only transitions between them (docs/architecture.md,
// "Instance states"). Each state carries the data that is true only in it, so a stopped
// instance cannot have a stop deadline and a backoff cannot have a pid. Every change of state
// goes through `transition`, which reports an impossible one as a bug.
import type { ChildProcess } from 'node:child_process';
import { InternalError } from '../errors.js';

/** An OS process we launched or took over, identified beyond pid reuse by its start time. */
export interface ProcessRef {
  pid: number;
  /** Process group to signal: our children lead their own. */
  pgid?: number;
  /** Start time from /proc/PID/stat, in clock ticks after boot. */
  procStartTime?: number;
  /** Set while the process is our child; adopted processes have none. */
  child?: ChildProcess;
  /** When it started, in ms since the epoch (ours) or as recorded (adopted). */
  startedAtMs: number;
}

/** How a run ended: an exit status, or the signal that ended it. */
export interface ExitOutcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  atMs: number;
}

export type InstanceState =
  /** Asked to run: the port is being chosen or the process is being spawned (no process yet), or it runs and is not yet ready. */
  | { name: 'starting'; process?: ProcessRef }
  /** Running and ready for work. */
  | { name: 'running'; process: ProcessRef; readyAtMs: number }
  /** Died on its own; waits until `untilMs` before it is started again. */
  | { name: 'backoff'; untilMs: number }
  /** Its term signal was sent (or is about to be); waits for the whole group to go. */
  | { name: 'stopping'; process?: ProcessRef; deadlineMs: number; forced: boolean }
  /** Gone after a stop; about to leave the table. */
  | { name: 'stopped'; forced: boolean }
  /** Given up: could not start, kept dying, or died while respawning is off. */
  | { name: 'failed'; reason: string }
  /** Ended as expected and is not restarted: a scheduled run, or an exit its restart policy keeps. */
  | { name: 'completed' };

export type StateName = InstanceState['name'];

/** Every allowed edge. A state not listed as a target of the current one is a bug. */
const EDGES: Record<StateName, readonly StateName[]> = {
  // `starting` to `starting`: the spawned process is attached to the state.
  starting: ['starting', 'running', 'backoff', 'stopping', 'failed', 'completed'],
  // `running` to `running`: a process that replaced itself (its PID_FILE names a successor).
  running: ['running', 'starting', 'backoff', 'stopping', 'failed', 'completed'],
  backoff: ['starting', 'stopping', 'failed'],
  stopping: ['stopping', 'stopped'],
  stopped: [],
  failed: ['stopping', 'starting'],
  // A completed instance stays in status until it is stopped or started anew.
  completed: ['stopping'],
};

export function canTransition(from: StateName, to: StateName): boolean {
  return EDGES[from].includes(to);
}

/** The state after `from` moves to `to`, or an InternalError: the caller has a bug. */
export function transition(description: string, from: InstanceState, to: InstanceState): InstanceState {
  if (!canTransition(from.name, to.name)) {
    throw new InternalError(`${description}: impossible transition from ${from.name} to ${to.name}`);
  }
  return to;
}

/** The process a state holds, if any. */
export function processOf(state: InstanceState): ProcessRef | undefined {
  switch (state.name) {
    case 'starting':
    case 'stopping':
      return state.process;
    case 'running':
      return state.process;
    case 'backoff':
    case 'stopped':
    case 'failed':
    case 'completed':
      return undefined;
  }
}

/** Counts toward the quantity and may be stopped: not on its way out and not finished. */
export function isActive(state: InstanceState): boolean {
  return state.name === 'starting' || state.name === 'running' || state.name === 'backoff' || state.name === 'failed';
}

/** Stopping or stopped: a stop was asked for and is being (or has been) carried out. */
export function isLeaving(state: InstanceState): boolean {
  return state.name === 'stopping' || state.name === 'stopped';
}

/** Holds a process that should be running (not being stopped). */
export function isUp(state: InstanceState): boolean {
  return state.name === 'starting' || state.name === 'running';
}
