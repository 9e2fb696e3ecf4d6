// Virtual time for unit tests: timers fire only when the test advances the clock, in due
// order, so a test of a 60 s window or a cron tick takes microseconds and never flakes.
import type { Clock, TimerHandle } from '../../src/supervisor/clock.js';

interface Pending {
  due: number;
  seq: number;
  callback: () => void;
  intervalMs?: number;
  handle: TimerHandle;
}

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1, 0, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.#add(callback, Math.max(0, delayMs));
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    return this.#add(callback, Math.max(1, intervalMs), Math.max(1, intervalMs));
  }

  clear(handle: TimerHandle | undefined): void {
    this.#pending = this.#pending.filter((p) => p.handle !== handle);
  }

  /** Timers not yet fired. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      // Let promise chains started by the previous timer settle before the next one fires.
      await flushMicrotasks();
      const next = this.#pending.reduce<Pending | undefined>(
        (best, p) => (best === undefined || p.due < best.due || (p.due === best.due && p.seq < best.seq) ? p : best),
        undefined,
      );
      if (next === undefined || next.due > target) break;
      this.#now = next.due;
      if (next.intervalMs === undefined) this.#pending = this.#pending.filter((p) => p !== next);
      else next.due += next.intervalMs;
      next.callback();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  #add(callback: () => void, delayMs: number, intervalMs?: number): TimerHandle {
    const handle: TimerHandle = { timer: (this.#seq += 1) };
    this.#pending.push({ due: this.#now + delayMs, seq: this.#seq, callback, intervalMs, handle });
    return handle;
  }
}

/** One turn of the real event loop: every pending promise reaction runs first. */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
