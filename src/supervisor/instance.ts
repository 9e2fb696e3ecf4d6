// One OS process launched for a process definition (`web.2`), and the facts the supervisor
// keeps about it. Lifecycle decisions live in lifecycle.ts; this is the state it acts on.
import type { ChildProcess } from 'node:child_process';
import { isSameProcess } from '../proc/liveness.js';

/**
 * - starting: spawn requested, no pid yet
 * - running: has a pid we believe alive (confirmed through /proc when asked)
 * - stopping: term signal sent, waiting for the whole group to go
 * - stopped: gone after a stop; about to leave the table
 * - failed: gave up (spawn failure, crash loop, or died with respawning off)
 */
export type InstanceState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What `status` shows: the spec's ordered evaluation of 6.7. */
export type InstanceStatus = 'Stopped' | 'Stopping' | 'Running' | 'Failed' | 'Unknown';

export class Instance {
  readonly processName: string;
  readonly id: number;
  state: InstanceState = 'starting';
  pid?: number;
  /** Start time from /proc/PID/stat, to tell our process from a recycled pid (D5). */
  procStartTime?: number;
  /** Unix seconds. */
  startedAt?: number;
  startedAtMs?: number;
  /** Why the last start failed, for scheduled runs to report. */
  startError?: string;
  port?: number;
  tag?: string;
  respawns = 0;
  lastRespawnAt?: number;
  lastExitStatus?: number | null;
  /** Set while we hold the process as a child; adopted processes have none. */
  child?: ChildProcess;
  /** Whether SIGKILL had to finish the last stop. */
  forced = false;
  /** Process group to signal; our children lead their own (D3). */
  pgid?: number;
  stopping?: Promise<void>;
  /** launchFingerprint() of the configuration it was started with; unknown when adopted. */
  launchedWith?: string;

  constructor(processName: string, id: number) {
    this.processName = processName;
    this.id = id;
  }

  get description(): string {
    return `${this.processName}.${this.id}`;
  }

  get isAdopted(): boolean {
    return this.child === undefined && this.pid !== undefined;
  }

  isAlive(): boolean {
    return this.pid !== undefined && isSameProcess(this.pid, this.procStartTime);
  }

  status(): InstanceStatus {
    if (this.state === 'stopped') return 'Stopped';
    if (this.state === 'stopping') return 'Stopping';
    if (this.isAlive()) return 'Running';
    if (this.state === 'failed') return 'Failed';
    return 'Unknown';
  }

  /** Respawns counted in the current window; 0 once the window has passed quietly. */
  respawnsInWindow(windowSeconds: number, nowSeconds: number): number {
    if (this.lastRespawnAt === undefined) return 0;
    return nowSeconds - this.lastRespawnAt > windowSeconds ? 0 : this.respawns;
  }
}
