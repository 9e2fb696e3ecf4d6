// Pure decisions of the supervisor: respawning, selectors, ports, the shell rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePort } from '../../src/supervisor/port-allocator.js';
import { decideRespawn } from '../../src/supervisor/respawn-policy.js';
import { matchesSelector, parseSelector } from '../../src/supervisor/selectors.js';
import { definition } from '../helpers/fixtures.js';


describe('decideRespawn', () => {
  const limits = { maxRespawns: 2, respawnWindow: 60 };
  const cases: [string, { respawns: number; lastRespawnAt?: number }, number, string, number][] = [
    ['first death respawns', { respawns: 0 }, 1000, 'respawn', 1],
    ['second death within the window respawns', { respawns: 1, lastRespawnAt: 990 }, 1000, 'respawn', 2],
    ['third death within the window gives up', { respawns: 2, lastRespawnAt: 990 }, 1000, 'give-up', 2],
    ['a quiet window resets the count (Q7)', { respawns: 2, lastRespawnAt: 900 }, 1000, 'respawn', 1],
  ];
  for (const [what, history, now, action, count] of cases) {
    it(what, () => {
      const decision = decideRespawn(history, limits, now);
      assert.equal(decision.action, action);
      if (decision.action === 'respawn') {
        assert.equal(decision.history.respawns, count);
        assert.equal(decision.history.lastRespawnAt, now, 'the time is updated in every branch');
      } else assert.equal(decision.respawns, count);
    });
  }

  it('max_respawns 0 gives up on the first death', () => {
    assert.equal(decideRespawn({ respawns: 0 }, { maxRespawns: 0, respawnWindow: 60 }, 5).action, 'give-up');
  });
});

describe('selectors', () => {
  it('reads a trailing .N as an instance number only', () => {
    assert.deepEqual(parseSelector('web'), { name: 'web' });
    assert.deepEqual(parseSelector('web.2'), { name: 'web', instance: 2 });
    assert.deepEqual(parseSelector('app4.25.new'), { name: 'app4.25.new' });
    assert.deepEqual(parseSelector('app4.25'), { name: 'app4', instance: 25 });
  });

  it('matches whole processes or single instances', () => {
    const selectors = [parseSelector('web.2'), parseSelector('worker')];
    assert.equal(matchesSelector(selectors, 'web', 2), true);
    assert.equal(matchesSelector(selectors, 'web', 1), false);
    assert.equal(matchesSelector(selectors, 'worker', 7), true);
    assert.equal(matchesSelector(selectors, 'cron', 1), false);
  });
});

describe('choosePort', () => {
  const rules = { allocations: {}, proxyEnabled: false };
  it('gives nothing without a rule', () => {
    assert.deepEqual(choosePort(definition(), [], rules), { kind: 'none' });
  });
  it('takes the lowest free port from allocate_port_from', () => {
    const d = definition({ allocatePortFrom: 3000 });
    assert.deepEqual(choosePort(d, [], rules), { kind: 'fixed', port: 3000, from: 'range' });
    assert.deepEqual(choosePort(d, [3000, 3001, 3003], rules), { kind: 'fixed', port: 3002, from: 'range' });
  });
  it('gives a start-term replacement the next free port of the range while the old one keeps its own', () => {
    assert.deepEqual(choosePort(definition({ allocatePortFrom: 3000, restartMode: 'start-term' }), [3000, 3001], rules), {
      kind: 'fixed',
      port: 3002,
      from: 'range',
    });
  });
  it('lets --ports win, with 0 meaning random', () => {
    const d = definition({ allocatePortFrom: 3000 });
    assert.deepEqual(choosePort(d, [], { allocations: { web: 4000 }, proxyEnabled: false }), { kind: 'fixed', port: 4000, from: 'given' });
    assert.deepEqual(choosePort(d, [], { allocations: { web: 0 }, proxyEnabled: false }), { kind: 'random' });
  });
  it('gives proxied processes a random port while the proxy runs', () => {
    const d = definition({ proxyPort: 8080, allocatePortFrom: 3000 });
    assert.deepEqual(choosePort(d, [], { allocations: {}, proxyEnabled: true }), { kind: 'random' });
    assert.deepEqual(choosePort(d, [], rules), { kind: 'fixed', port: 3000, from: 'range' });
  });
});
