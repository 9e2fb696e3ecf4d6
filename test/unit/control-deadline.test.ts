// How long the CLI waits for a supervisor's reply (src/control/client.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replyDeadlineMs, type SupervisorTarget } from '../../src/control/client.js';

function target(instances: number): SupervisorTarget {
  return {
    root: '/srv/app',
    sockPath: '/srv/app/pids/procodile.sock',
    supervisorPidPath: '/srv/app/pids/procodile.pid',
    processes: [{ stopTimeout: 5, quantity: instances }],
  };
}

describe('reply deadlines', () => {
  it('gives a request that acts on instances more time with more of them', () => {
    assert.equal(replyDeadlineMs(target(1), 'stop'), 15_005);
    // Ten thousand instances: a stop answered after 15 s is not given up on.
    assert.ok(replyDeadlineMs(target(10_000), 'stop') >= 60_000);
    assert.ok(replyDeadlineMs(target(10_000), 'restart') > replyDeadlineMs(target(1), 'restart') + 45_000);
  });

  it('keeps status and identify at the fixed deadline, however many instances there are', () => {
    assert.equal(replyDeadlineMs(target(10_000), 'status'), 15_000);
    assert.equal(replyDeadlineMs(target(10_000), 'identify'), 15_000);
  });
});
