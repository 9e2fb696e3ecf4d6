// Whether an instance that died on its own is started again: a pure decision over its respawn
// history (spec 6.6, with quirk Q7 fixed: a quiet window really resets the count).

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
