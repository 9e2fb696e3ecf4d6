// One instance of a process definition (`web.2`): its state (instance-state.ts), and the facts
// that outlive a single run of it (port, tag, respawn count, last exit). The state changes
// only through moveTo, which refuses an impossible transition; the lifecycle decides when.
import type { ChildProcess } from 'node:child_process';
import { processOf, transition, type ExitOutcome, type InstanceState, type ProcessRef } from './instance-state.js';

/** What `status` shows, in the order Procodile evaluates it. */
export type InstanceStatus = 'Stopped' | 'Stopping' | 'Starting' | 'Running' | 'Backoff' | 'Failed' | 'Completed' | 'Unknown';

/** Exits kept for the issue that says how the last runs ended. */
const RECENT_EXITS = 5;

/** Whether `pid` is alive and still the process that started at `startTime`. */
export type LivenessProbe = (pid: number, startTime: number | undefined) => boolean;

export class Instance {
  readonly processName: string;
  readonly id: number;
  readonly #isSameProcess: LivenessProbe;
  #state: InstanceState = { name: 'starting' };
  port?: number;
  tag?: string;
  respawns = 0;
  /** Unix seconds of the last respawn, for the respawn window. */
  lastRespawnAt?: number;
  lastExit?: ExitOutcome;
  /** Why it never became ready, once its ready check failed. */
  notReady?: string;
  /** The last few exits, oldest first. */
  recentExits: ExitOutcome[] = [];
  /** Deaths in a row each sooner than min_uptime after their start. */
  quickFailures = 0;
  /** Why the last start failed, for scheduled runs to report. */
  startError?: string;
  /** launchFingerprint() of the configuration it was started with; unknown when adopted. */
  launchedWith?: string;
  /** The stop in progress, shared by everyone who asks for it. */
  stopping?: Promise<void>;

  constructor(processName: string, id: number, isSameProcess: LivenessProbe) {
    this.processName = processName;
    this.id = id;
    this.#isSameProcess = isSameProcess;
  }

  get description(): string {
    return `${this.processName}.${this.id}`;
  }

  get state(): InstanceState {
    return this.#state;
  }

  /** Moves to `next`; an edge the state machine does not have throws an InternalError. */
  moveTo(next: InstanceState): void {
    this.#state = transition(this.description, this.#state, next);
  }

  get process(): ProcessRef | undefined {
    return processOf(this.#state);
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get pgid(): number | undefined {
    return this.process?.pgid;
  }

  get child(): ChildProcess | undefined {
    return this.process?.child;
  }

  /** Unix seconds. */
  get startedAt(): number | undefined {
    const ms = this.process?.startedAtMs;
    return ms === undefined ? undefined : Math.floor(ms / 1000);
  }

  /** Unix seconds of when it became ready, while it runs. */
  get readyAtMs(): number | undefined {
    return this.#state.name === 'running' ? this.#state.readyAtMs : undefined;
  }

  /** Whether SIGKILL had to finish (or is finishing) the stop. */
  get forced(): boolean {
    const state = this.#state;
    return (state.name === 'stopping' || state.name === 'stopped') && state.forced;
  }

  recordExit(exit: ExitOutcome): void {
    this.lastExit = exit;
    this.recentExits = [...this.recentExits, exit].slice(-RECENT_EXITS);
  }

  get lastExitStatus(): number | null | undefined {
    return this.lastExit?.status;
  }

  /** A process we did not spawn: a previous supervisor's, or a successor named in PID_FILE. */
  get isAdopted(): boolean {
    return this.child === undefined && this.pid !== undefined;
  }

  isAlive(): boolean {
    const process = this.process;
    return process !== undefined && this.#isSameProcess(process.pid, process.procStartTime);
  }

  status(): InstanceStatus {
    const name = this.#state.name;
    if (name === 'stopped') return 'Stopped';
    if (name === 'completed') return 'Completed';
    if (name === 'backoff') return 'Backoff';
    if (name === 'stopping') return 'Stopping';
    if (this.isAlive()) return name === 'starting' ? 'Starting' : 'Running';
    if (name === 'failed') return 'Failed';
    return 'Unknown';
  }

  /** Respawns counted in the current window; 0 once the window has passed quietly. */
  respawnsInWindow(windowSeconds: number, nowSeconds: number): number {
    if (this.lastRespawnAt === undefined) return 0;
    return nowSeconds - this.lastRespawnAt > windowSeconds ? 0 : this.respawns;
  }
}
