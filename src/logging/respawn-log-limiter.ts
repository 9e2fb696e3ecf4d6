// Keeps the supervisor log readable, and its size bounded by time rather than by respawns,
// while an instance crashes over and over: the first few respawns in a window are logged in
// full, the rest are only counted and summed up in one line when the next window begins
// (README.md, "When a process keeps crashing").

/** Respawns of one instance logged line by line in each window. */
export const FULL_RESPAWNS_PER_WINDOW = 3;
export const RESPAWN_LOG_WINDOW_MS = 10_000;

interface Burst {
  windowStart: number;
  inWindow: number;
  suppressed: number;
}

export interface RespawnLogDecision {
  /** Whether this respawn's own lines (stopped, started, logging to) are written. */
  full: boolean;
  /** A line to write first: what the previous window left out, or that lines are now left out. */
  note?: string;
}

export class RespawnLogLimiter {
  /** Keyed by the instance itself, so an instance that leaves the table leaves nothing here. */
  readonly #bursts = new WeakMap<object, Burst>();

  /** Called once per respawn of `key` at `nowMs`. */
  respawned(key: object, nowMs: number): RespawnLogDecision {
    let burst = this.#bursts.get(key);
    let note: string | undefined;
    if (burst === undefined || nowMs - burst.windowStart >= RESPAWN_LOG_WINDOW_MS) {
      note = burst === undefined ? undefined : summary(burst, nowMs);
      burst = { windowStart: nowMs, inWindow: 0, suppressed: 0 };
      this.#bursts.set(key, burst);
    }
    burst.inWindow += 1;
    if (burst.inWindow <= FULL_RESPAWNS_PER_WINDOW) return note === undefined ? { full: true } : { full: true, note };
    burst.suppressed += 1;
    if (burst.suppressed === 1) {
      note = `Respawning over and over: further respawns in the next ${Math.ceil(
        (burst.windowStart + RESPAWN_LOG_WINDOW_MS - nowMs) / 1000,
      )}s are counted, not logged one by one`;
      return { full: false, note };
    }
    return { full: false };
  }

  /** What is still counted and not yet said, when the respawns of `key` end. */
  flush(key: object, nowMs: number): string | undefined {
    const burst = this.#bursts.get(key);
    this.#bursts.delete(key);
    return burst === undefined ? undefined : summary(burst, nowMs);
  }
}

function summary(burst: Burst, nowMs: number): string | undefined {
  if (burst.suppressed === 0) return undefined;
  const seconds = Math.max(1, Math.round((nowMs - burst.windowStart) / 1000));
  return `Respawned ${burst.suppressed} more time(s) in the last ${seconds}s (not logged one by one)`;
}
