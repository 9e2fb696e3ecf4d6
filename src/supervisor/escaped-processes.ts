// Processes that left an instance's process group (setsid, a detaching daemon): the group's
// signals miss them, so they are looked for before a stop and reported if they outlive it.
// They are reported, not killed: they chose to leave, they may be meant to outlive the
// application, and nothing but their parentage ties them to the instance (README.md, "Pid
// files and what procodile signals").
import { escapedDescendants, type ProcessFacts } from '../proc/process-tree.js';
import type { Clock } from './clock.js';
import type { Instance } from './instance.js';
import type { IssueTracker } from './issues.js';
import type { ProcessOps } from './process-ops.js';

/**
 * A /proc snapshot younger than this is reused: stopping many instances (a restart of
 * hundreds) then costs a few scans instead of one per instance.
 */
const SNAPSHOT_REUSE_MS = 250;

export interface Escapee {
  pid: number;
  startTime: number;
  command: string;
  description: string;
}

export class EscapedProcesses {
  readonly #ops: ProcessOps;
  readonly #clock: Clock;
  readonly #issues: IssueTracker;
  readonly #log: (instance: Instance, message: string) => void;
  /** Escaped processes still alive after their instance stopped, by process name. */
  readonly #alive = new Map<string, Escapee[]>();
  #snapshot?: { takenAt: number; processes: ProcessFacts[] };

  constructor(ops: ProcessOps, clock: Clock, issues: IssueTracker, log: (instance: Instance, message: string) => void) {
    this.#ops = ops;
    this.#clock = clock;
    this.#issues = issues;
    this.#log = log;
  }

  /** The instance's descendants outside its group; call before signalling it. */
  find(instance: Instance): Escapee[] {
    if (instance.pgid === undefined) return [];
    const now = this.#clock.now();
    if (this.#snapshot === undefined || now - this.#snapshot.takenAt > SNAPSHOT_REUSE_MS) {
      const processes = this.#ops.snapshot();
      // Its age counts from when it was done: with ten thousand processes taking one outlasts
      // the reuse window, and stopping them all must not take one per instance.
      this.#snapshot = { takenAt: this.#clock.now(), processes };
    }
    return escapedDescendants(this.#snapshot.processes, instance.pid, instance.pgid).map((p) => ({
      pid: p.pid,
      startTime: p.startTime,
      command: this.#ops.describeCommand(p.pid),
      description: instance.description,
    }));
  }

  /** After the stop: those of `escapees` still alive go to the log and to status. */
  report(instance: Instance, escapees: Escapee[]): void {
    const alive = escapees.filter((e) => this.#ops.isSameProcess(e.pid, e.startTime));
    if (alive.length === 0) return;
    for (const e of alive) this.#log(instance, escapeMessage(e));
    this.#alive.set(instance.processName, [...(this.#alive.get(instance.processName) ?? []), ...alive]);
    this.review();
  }

  /** Keeps the escaped-process issues in step with what is still alive. */
  review(): void {
    for (const [name, escapees] of this.#alive) {
      const alive = escapees.filter((e) => this.#ops.isSameProcess(e.pid, e.startTime));
      if (alive.length === 0) {
        this.#alive.delete(name);
        this.#issues.resolve('escaped_process', name);
        continue;
      }
      this.#alive.set(name, alive);
      this.#issues.report('escaped_process', name, alive.map(escapeMessage).join('; '));
    }
  }
}

function escapeMessage(e: Escapee): string {
  return `escaped process PID ${e.pid} (${e.command}) left running by ${e.description}; it left the process group with setsid`;
}
