// The real ready checks against real sockets, commands and files: what each one counts as ready.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { ReadyCheck } from '../../src/config/types.js';
import { systemProbes, type Probe } from '../../src/supervisor/readiness.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function listen<T extends Server | HttpServer>(server: T): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

function open(check: ReadyCheck, target: { port?: number; logPath?: string } = {}): Probe {
  const probe = systemProbes().open(check, { cwd: '/tmp', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, ...target });
  assert.ok(!('problem' in probe), 'problem' in probe ? probe.problem : '');
  cleanups.push(() => probe.close());
  return probe;
}

describe('ready checks', () => {
  it('tcp: ready once the port accepts a connection', async () => {
    const port = await listen(createServer((s) => s.destroy()));
    assert.equal(await open({ kind: 'tcp' }, { port }).attempt(), true);
    const closed = await listen(createServer());
    await cleanups.pop()?.();
    assert.equal(await open({ kind: 'tcp' }, { port: closed }).attempt(), false);
  });

  it('http: ready on 2xx or 3xx, not on 5xx', async () => {
    let status = 503;
    const port = await listen(createHttpServer((_req, res) => res.writeHead(status).end()));
    const probe = open({ kind: 'http', path: '/health' }, { port });
    assert.equal(await probe.attempt(), false);
    status = 302;
    assert.equal(await probe.attempt(), true);
  });

  it('tcp and http need a PORT, and say how to give one', () => {
    const opened = systemProbes().open({ kind: 'http', path: '/' }, { cwd: '/tmp', env: {} });
    assert.ok('problem' in opened);
    assert.match(opened.problem, /needs the instance's PORT.*allocate_port_from or proxy_port/);
  });

  it('command: ready when it exits 0', async () => {
    assert.equal(await open({ kind: 'command', command: 'exit 0' }).attempt(), true);
    assert.equal(await open({ kind: 'command', command: 'exit 1' }).attempt(), false);
  });

  it('log: matches only lines written after the spawn', async () => {
    const dir = mkdtempSync('/tmp/pc-ready-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const logPath = join(dir, 'web.log');
    writeFileSync(logPath, 'Listening on 3000 (the previous run)\n');
    const probe = open({ kind: 'log', pattern: 'Listening on \\d+' }, { logPath });
    assert.equal(await probe.attempt(), false, 'an old line does not count');
    appendFileSync(logPath, 'booting\nListening on ');
    assert.equal(await probe.attempt(), false, 'an unfinished line does not count yet');
    appendFileSync(logPath, '3001\n');
    assert.equal(await probe.attempt(), true);
  });
});
