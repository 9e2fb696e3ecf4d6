// The CLI's side of the control socket (src/control/client.ts): how long it waits for a reply,
// and a reply that arrives in many pieces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { identifySupervisor, replyDeadlineMs, type SupervisorTarget } from '../../src/control/client.js';

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

  it('reads a reply that arrives in many small pieces, up to its newline', async () => {
    const dir = mkdtempSync('/tmp/pc-');
    const sockPath = join(dir, 'procodile.sock');
    const supervisorPidPath = join(dir, 'procodile.pid');
    writeFileSync(supervisorPidPath, String(process.pid));
    // A long app name makes the reply span many reads.
    const appName = 'a'.repeat(200_000);
    const reply = `200 ${JSON.stringify({ version: '1', root: dir, app_name: appName, pid_root: dir, supervisor: { started_at: 1, pid: process.pid, proxy_enabled: false } })}`;
    const server = createServer((socket) => {
      socket.once('data', () => {
        let offset = 0;
        const next = (): void => {
          if (offset >= reply.length) {
            socket.write('\nwhat follows the newline is not part of it');
            return;
          }
          socket.write(reply.slice(offset, offset + 7_001), () => setImmediate(next));
          offset += 7_001;
        };
        next();
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(sockPath, resolve));
    try {
      const identity = await identifySupervisor({ root: dir, sockPath, supervisorPidPath, processes: [] });
      assert.equal(identity.app_name, appName);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
