// Whether an instance that died on its own is started again, and when: pure decisions over
// how it ended and its respawn history (README.md, "When a process keeps crashing"). The
// restart policy says which exits are respawned; max_respawns per respawn_window says when to
// give up (as in Procodile, with quirk Q7 fixed: a quiet window really resets the count); quick
// failures in a row are backed off exponentially, so a broken process costs the host little.
import type { RestartPolicy } from '../config/types.js';

export interface RespawnHistory {
  respawns: number;
  lastRespawnAt?: number;
}

export interface RespawnLimits {
  maxRespawns: number;
  respawnWindow: number;
}

export type RespawnDecision =
  | { action: 'respawn'; history: Required<RespawnHistory> }
  | { action: 'give-up'; respawns: number };

export function decideRespawn(history: RespawnHistory, limits: RespawnLimits, now: number): RespawnDecision {
  const windowExpired = history.lastRespawnAt === undefined || now - history.lastRespawnAt > limits.respawnWindow;
  const current = windowExpired ? 0 : history.respawns;
  if (current + 1 > limits.maxRespawns) return { action: 'give-up', respawns: current };
  return { action: 'respawn', history: { respawns: current + 1, lastRespawnAt: now } };
}

/** How a run ended, and how long it lasted. */
export interface RunEnd {
  status: number | null;
  signal: NodeJS.Signals | null;
  ranForMs: number;
}

export interface RestartHistory extends RespawnHistory {
  /** Quick failures in a row before this one. */
  quickFailures: number;
}

export interface RestartLimits extends RespawnLimits {
  restart: RestartPolicy;
  /** Seconds. */
  minUptime: number;
  /** Seconds. */
  maxBackoff: number;
}

export type RestartDecision =
  | { action: 'respawn'; delayMs: number; history: Required<RestartHistory> }
  | { action: 'complete' }
  | { action: 'give-up'; respawns: number };

/** The share of a backoff delay by which it is varied, so instances that failed together spread out. */
export const BACKOFF_JITTER = 0.1;

/** A run that exited with status 0 on its own: what `on-failure` does not restart. */
export function isSuccess(end: { status: number | null; signal: NodeJS.Signals | null }): boolean {
  return end.status === 0 && end.signal === null;
}

/**
 * The backoff before the respawn after the `k`-th quick failure in a row: none for the first
 * (a crash is still respawned in milliseconds), then 1 s, 2 s, 4 s... up to `maxBackoff`.
 * `random` in [0, 1) places it within the jitter band around that value.
 */
export function backoffMs(k: number, maxBackoffSeconds: number, random: number): number {
  if (k <= 1) return 0;
  const base = Math.min(2 ** (k - 2), maxBackoffSeconds) * 1000;
  return Math.round(base * (1 + BACKOFF_JITTER * (2 * random - 1)));
}

/**
 * What to do after a run ended on its own at `nowMs`. `random` is a number in [0, 1) for
 * the jitter, handed in so that the decision stays pure.
 */
export function decideRestart(end: RunEnd, history: RestartHistory, nowMs: number, limits: RestartLimits, random: number): RestartDecision {
  if (limits.restart === 'never' || (limits.restart === 'on-failure' && isSuccess(end))) return { action: 'complete' };
  const window = decideRespawn(history, limits, Math.floor(nowMs / 1000));
  if (window.action === 'give-up') return window;
  const quick = end.ranForMs < limits.minUptime * 1000;
  const quickFailures = quick ? history.quickFailures + 1 : 0;
  return {
    action: 'respawn',
    delayMs: backoffMs(quickFailures, limits.maxBackoff, random),
    history: { ...window.history, quickFailures },
  };
}
