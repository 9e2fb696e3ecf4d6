// Respawns are started from a queue, a few milliseconds' worth per turn of the event loop.
// Starting one from inside the exit event would never let the loop breathe in a crash loop:
// each spawn is one more exit signal for libuv to deliver before it polls again, so the
// control socket and TERM/INT were never served (README.md, "When a process keeps crashing").
import type { Clock } from './clock.js';

/** Spawning time allowed per turn of the event loop. */
export const RESPAWN_BUDGET_MS = 10;

export class RespawnQueue<T extends object> {
  readonly #clock: Clock;
  readonly #run: (item: T) => Promise<void>;
  readonly #queue = new Set<T>();
  #draining = false;

  /** `run` starts one item; it must not throw (its failures are its own to report). */
  constructor(clock: Clock, run: (item: T) => Promise<void>) {
    this.#clock = clock;
    this.#run = run;
  }

  add(item: T): void {
    this.#queue.add(item);
    if (this.#draining) return;
    this.#draining = true;
    setImmediate(() => void this.#drain());
  }

  /** Takes `item` out of the queue: it will not be started. */
  remove(item: T): void {
    this.#queue.delete(item);
  }

  has(item: T): boolean {
    return this.#queue.has(item);
  }

  /** One at a time, so the budget measures the spawns themselves; the rest waits a turn. */
  async #drain(): Promise<void> {
    const deadline = this.#clock.now() + RESPAWN_BUDGET_MS;
    for (const item of this.#queue) {
      if (this.#clock.now() >= deadline) {
        setImmediate(() => void this.#drain());
        return;
      }
      this.#queue.delete(item);
      await this.#run(item);
    }
    this.#draining = false;
  }
}
