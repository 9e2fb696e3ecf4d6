// Time as the supervisor sees it: handed in, so that respawn windows, stop deadlines and cron
// ticks can be driven in unit tests with virtual time instead of waiting on the real clock.

/** An opaque handle for a pending timer. */
export type TimerHandle = { readonly timer: unknown };

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once, after `delayMs` (never earlier; later when the loop is busy). */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Runs `callback` every `intervalMs` until cleared. */
  setInterval(callback: () => void, intervalMs: number): TimerHandle;
  /** Cancels a timeout or an interval; a handle already fired or cleared is ignored. */
  clear(handle: TimerHandle | undefined): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => ({ timer: setTimeout(callback, delayMs) }),
  setInterval: (callback, intervalMs) => ({ timer: setInterval(callback, intervalMs) }),
  clear: (handle) => {
    if (handle !== undefined) clearTimeout(handle.timer as NodeJS.Timeout);
  },
};
