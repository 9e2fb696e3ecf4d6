// The instance state machine: which transitions exist, and that an impossible one is a bug.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InternalError } from '../../src/errors.js';
import {
  canTransition,
  isActive,
  isLeaving,
  isUp,
  processOf,
  transition,
  type InstanceState,
  type StateName,
} from '../../src/supervisor/instance-state.js';

const process = { pid: 42, pgid: 42, startedAtMs: 0 };
const samples: Record<StateName, InstanceState> = {
  starting: { name: 'starting', process },
  running: { name: 'running', process, readyAtMs: 1 },
  backoff: { name: 'backoff', untilMs: 5 },
  stopping: { name: 'stopping', process, deadlineMs: 10, forced: false },
  stopped: { name: 'stopped', forced: false },
  failed: { name: 'failed', reason: 'kept dying' },
  completed: { name: 'completed' },
};

describe('instance states', () => {
  it('lets a live instance be stopped from every state that holds or awaits a process', () => {
    for (const from of ['starting', 'running', 'backoff', 'failed'] as const) assert.equal(canTransition(from, 'stopping'), true, from);
  });

  it('ends in stopped, which leads nowhere, or completed, which can only be stopped', () => {
    for (const to of Object.keys(samples) as StateName[]) {
      assert.equal(canTransition('stopped', to), false, `stopped -> ${to}`);
      assert.equal(canTransition('completed', to), to === 'stopping', `completed -> ${to}`);
    }
  });

  it('never starts again once a stop was asked for', () => {
    assert.equal(canTransition('stopping', 'starting'), false);
    assert.equal(canTransition('stopping', 'running'), false);
    assert.equal(canTransition('backoff', 'running'), false, 'a backoff starts again through starting');
  });

  it('reports an impossible transition as a bug naming the instance and both states', () => {
    assert.throws(
      () => transition('web.1', samples.stopped, samples.running),
      (error: unknown) => error instanceof InternalError && /web\.1: impossible transition from stopped to running/.test(error.message),
    );
    assert.equal(transition('web.1', samples.running, samples.stopping), samples.stopping);
  });

  it('answers the questions callers used to spell out by hand', () => {
    const active = (Object.keys(samples) as StateName[]).filter((n) => isActive(samples[n]));
    assert.deepEqual(active, ['starting', 'running', 'backoff', 'failed']);
    const leaving = (Object.keys(samples) as StateName[]).filter((n) => isLeaving(samples[n]));
    assert.deepEqual(leaving, ['stopping', 'stopped']);
    const up = (Object.keys(samples) as StateName[]).filter((n) => isUp(samples[n]));
    assert.deepEqual(up, ['starting', 'running']);
    assert.equal(processOf(samples.backoff), undefined);
    assert.equal(processOf(samples.stopping)?.pid, 42);
  });
});
