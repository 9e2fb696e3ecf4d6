// The supervisor log under a crash loop: full lines for the first respawns of each window,
// a count for the rest, so the log grows with time and not with the number of respawns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FULL_RESPAWNS_PER_WINDOW, RESPAWN_LOG_WINDOW_MS, RespawnLogLimiter } from '../../src/logging/respawn-log-limiter.js';

describe('RespawnLogLimiter', () => {
  it('logs the first respawns of a window in full, then counts the rest and says so once', () => {
    const limiter = new RespawnLogLimiter();
    const instance = {};
    for (let n = 0; n < FULL_RESPAWNS_PER_WINDOW; n += 1) assert.deepEqual(limiter.respawned(instance, 1000 + n), { full: true });
    const first = limiter.respawned(instance, 2000);
    assert.equal(first.full, false);
    assert.match(first.note ?? '', /further respawns in the next 9s are counted/);
    for (let n = 0; n < 500; n += 1) assert.deepEqual(limiter.respawned(instance, 3000 + n), { full: false });
  });

  it('sums up a window when the next one begins, and on flush', () => {
    const limiter = new RespawnLogLimiter();
    const instance = {};
    for (let n = 0; n < FULL_RESPAWNS_PER_WINDOW + 100; n += 1) limiter.respawned(instance, n);
    const next = limiter.respawned(instance, RESPAWN_LOG_WINDOW_MS + 500);
    assert.equal(next.full, true);
    assert.equal(next.note, 'Respawned 100 more time(s) in the last 11s (not logged one by one)');
    for (let n = 0; n < FULL_RESPAWNS_PER_WINDOW + 6; n += 1) limiter.respawned(instance, RESPAWN_LOG_WINDOW_MS + 600);
    assert.equal(limiter.flush(instance, RESPAWN_LOG_WINDOW_MS + 2500), 'Respawned 7 more time(s) in the last 2s (not logged one by one)');
    assert.equal(limiter.flush(instance, RESPAWN_LOG_WINDOW_MS + 2600), undefined, 'a flush forgets the instance');
  });

  it('keeps instances apart and says nothing about a quiet one', () => {
    const limiter = new RespawnLogLimiter();
    const busy = {};
    const quiet = {};
    for (let n = 0; n < 50; n += 1) limiter.respawned(busy, n);
    assert.deepEqual(limiter.respawned(quiet, 60), { full: true });
    assert.deepEqual(limiter.respawned(quiet, 60 + 2 * RESPAWN_LOG_WINDOW_MS), { full: true });
    assert.equal(limiter.flush(quiet, 70 + 2 * RESPAWN_LOG_WINDOW_MS), undefined);
  });
});
