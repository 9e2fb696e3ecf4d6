// What a crashed instance leaves in its process group (a child that ignores SIGTERM, say) is
// stopped like an instance is: the term signal now, SIGKILL after stop_timeout (D3). The
// sweeps are tracked, so the supervisor does not exit while one is pending and leave such a
// process behind, and they are written to the adoption record, so that a successor finishes
// them (and the stops of instances) when this supervisor dies half-way.
//
// A group id can be reused once its group is empty, so a recorded group is signalled only
// while it still looks like ours (ownedMembers, in src/runtime/ownership.ts).
import { ownedMembers, type StoppingGroup } from '../runtime/ownership.js';
import type { Clock } from './clock.js';
import type { ProcessOps } from './process-ops.js';
import type { Stopper } from './stopper.js';

export type { StoppingGroup };

export class GroupSweeper {
  readonly #ops: ProcessOps;
  readonly #stopper: Stopper;
  readonly #clock: Clock;
  readonly #groups = new Map<number, StoppingGroup>();

  constructor(ops: ProcessOps, stopper: Stopper, clock: Clock) {
    this.#ops = ops;
    this.#stopper = stopper;
    this.#clock = clock;
  }

  /** Sends `signal` to the group now and SIGKILL to whatever is left after `timeoutMs`. */
  sweep(description: string, pgid: number, leaderStartTime: number | undefined, signal: NodeJS.Signals, timeoutMs: number): void {
    const since = this.#ops.ticksSinceBoot();
    if (!this.#ops.signalGroup(pgid, signal)) return;
    this.#track({ description, pgid, leaderStartTime, since, killAt: this.#clock.now() + timeoutMs });
  }

  /**
   * Takes over the stops a dead supervisor had begun: their term signal was sent before they
   * were recorded, so only the SIGKILL at the recorded deadline is left to do.
   */
  resume(groups: StoppingGroup[]): StoppingGroup[] {
    const taken: StoppingGroup[] = [];
    const snapshot = this.#ops.snapshot();
    for (const group of groups) {
      if (this.#groups.has(group.pgid) || ownedMembers(group, snapshot).length === 0) continue;
      this.#track(group);
      taken.push(group);
    }
    return taken;
  }

  /** The sweeps still pending, for the adoption record. */
  pending(): StoppingGroup[] {
    return [...this.#groups.values()];
  }

  #track(group: StoppingGroup): void {
    this.#groups.set(group.pgid, group);
    this.#stopper.watch(this.#key(group.pgid), {
      deadlineMs: group.killAt,
      isRunning: (view) => ownedMembers(group, view.snapshot()).length > 0,
      kill: () => this.#ops.signalGroup(group.pgid, 'SIGKILL'),
      onDone: () => this.#groups.delete(group.pgid),
    });
  }

  /** Sweeps and instance stops share the stopper; a group id alone would not be unique. */
  #key(pgid: number): string {
    return `sweep:${pgid}`;
  }
}
