// `identify`: the supervisor's identity without its processes, which every CLI command asks
// before acting; `status` stands in for it with a supervisor that predates the request.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { identifySupervisor, sendRequest } from '../../src/control/client.js';
import { parseRequest } from '../../src/control/protocol.js';
import { checkReply } from '../../src/control/reply.js';
import { createRouter } from '../../src/control/router.js';
import { fakeSupervisors } from '../helpers/fake-supervisor.js';
import { statusReply } from '../helpers/fixtures.js';

const fakeSupervisor = fakeSupervisors();

describe('the identify request', () => {
  it('takes an empty object and nothing else', () => {
    assert.deepEqual(parseRequest('identify {}'), { ok: true, command: 'identify', options: {} });
    for (const line of ['identify', 'identify {"root":"/x"}', 'identify []']) {
      const parsed = parseRequest(line);
      assert.equal(parsed.ok, false, line);
      if (!parsed.ok) assert.equal(parsed.code, 400, line);
    }
  });

  it('is answered with the identity alone, even while start-up is still going on', async () => {
    const h = fakeSupervisor([{ name: 'web', quantity: 3 }]);
    const route = createRouter(h.supervisor, new Promise(() => undefined));
    const reply = await route({ command: 'identify', options: {} });
    assert.deepEqual(reply, {
      version: 'test',
      root: '/srv/app',
      app_name: 'app',
      pid_root: h.config.pidRoot,
      supervisor: { started_at: null, pid: process.pid, proxy_enabled: false },
    });
  });

  it('has its reply checked like any other', () => {
    const good = { version: '1', root: '/srv/app', app_name: 'app', pid_root: '/srv/app/pids', supervisor: { started_at: null, pid: 5, proxy_enabled: true } };
    assert.equal(checkReply('identify', good).ok, true);
    for (const bad of [{ ...good, root: 7 }, { ...good, supervisor: { pid: 'x' } }, []]) assert.equal(checkReply('identify', bad).ok, false);
  });
});

/** A control server of our own pid answering each command with `replies[command]`; the lines it got. */
async function withServer(replies: Record<string, string>, body: (target: Parameters<typeof sendRequest>[0], lines: string[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync('/tmp/pc-');
  const lines: string[] = [];
  const server: Server = createServer((socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (line: string) => {
      lines.push(line.trimEnd());
      socket.write(`${replies[line.slice(0, line.indexOf(' '))] ?? '404 Invalid command'}\n`);
    });
  });
  const sockPath = join(dir, 'procodile.sock');
  await new Promise<void>((resolve) => server.listen(sockPath, resolve));
  try {
    const supervisorPidPath = join(dir, 'procodile.pid');
    writeFileSync(supervisorPidPath, String(process.pid));
    await body({ root: dir, sockPath, supervisorPidPath, processes: [] }, lines);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function statusOf(root: string): string {
  return `200 ${JSON.stringify(statusReply(root))}`;
}

const STOPPED = '200 {"stopped_instances":[]}';

describe('checking whose supervisor it is', () => {
  it('asks identify, not status, before a command', async () => {
    const replies: Record<string, string> = { stop: STOPPED };
    await withServer(replies, async (target, lines) => {
      const identity = { version: '1', root: target.root, app_name: 'app', pid_root: '', supervisor: { started_at: 1, pid: process.pid, proxy_enabled: false } };
      replies.identify = `200 ${JSON.stringify(identity)}`;
      await sendRequest(target, 'stop', { process_names: ['web'] });
      assert.deepEqual(lines, ['identify {}', 'stop {"process_names":["web"]}']);
    });
  });

  it('falls back to status with a supervisor that does not know identify', async () => {
    const replies: Record<string, string> = { stop: STOPPED };
    await withServer(replies, async (target, lines) => {
      replies.status = statusOf(target.root);
      await sendRequest(target, 'stop', {});
      assert.deepEqual(lines, ['identify {}', 'status {}', 'stop {}']);
      const identity = await identifySupervisor(target);
      assert.equal(identity.root, target.root);
      assert.equal(identity.version, '0.9');
    });
  });

  it('refuses another root, whichever request said it', async () => {
    for (const via of ['identify', 'status'] as const) {
      const replies: Record<string, string> = { stop: STOPPED };
      await withServer(replies, async (target, lines) => {
        const identity = { version: '1', root: '/srv/other', app_name: 'x', pid_root: '', supervisor: { started_at: 1, pid: process.pid, proxy_enabled: false } };
        if (via === 'identify') replies.identify = `200 ${JSON.stringify(identity)}`;
        else replies.status = statusOf('/srv/other');
        await assert.rejects(sendRequest(target, 'stop', {}), /another application \(\/srv\/other\)/);
        assert.equal(lines.includes('stop {}'), false, `${via}: nothing is asked of another root's supervisor`);
      });
    }
  });

  it('does not fall back on an error or a malformed identify reply', async () => {
    for (const reply of ['500 broken', '200 {"root":1}']) {
      await withServer({ identify: reply, stop: STOPPED }, async (target, lines) => {
        await assert.rejects(sendRequest(target, 'stop', {}));
        assert.deepEqual(lines, ['identify {}'], reply);
      });
    }
  });
});
