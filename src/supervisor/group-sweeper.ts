// What a crashed instance leaves in its process group (a child that ignores SIGTERM, say) is
// stopped like an instance is: the term signal now, SIGKILL after stop_timeout (D3). The
// sweeps are tracked, so the supervisor does not exit while one is pending and leave such a
// process behind, and SIGKILL goes only to a group that still has members (a group id can
// be reused once its group is empty).
import { groupHasLiveMembers } from '../proc/liveness.js';
import { signalGroup } from '../proc/process-group.js';

const SWEEP_POLL_MS = 100;

export class GroupSweeper {
  readonly #deadlines = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #idle: (() => void)[] = [];

  /** Sends `signal` to the group now and SIGKILL to whatever is left after `timeoutMs`. */
  sweep(pgid: number, signal: NodeJS.Signals, timeoutMs: number): void {
    if (!signalGroup(pgid, signal)) return;
    this.#deadlines.set(pgid, Date.now() + timeoutMs);
    this.#timer ??= setInterval(() => this.#poll(), SWEEP_POLL_MS);
  }

  /** Resolves once no sweep is pending. */
  idle(): Promise<void> {
    if (this.#deadlines.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #poll(): void {
    const now = Date.now();
    for (const [pgid, deadline] of this.#deadlines) {
      if (!groupHasLiveMembers(pgid)) this.#deadlines.delete(pgid);
      else if (now >= deadline) signalGroup(pgid, 'SIGKILL');
    }
    if (this.#deadlines.size > 0) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
