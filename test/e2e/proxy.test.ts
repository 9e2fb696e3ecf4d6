// The TCP proxy in front of a process's instances (Procodile 11).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { CLI, makeApp, waitFor, type TestApp } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll, waitForRunning } from '../helpers/supervisor.js';
import { freePort, readAll } from '../helpers/tcp.js';

let apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.cleanup()));
  apps = [];
});



/** What a server says first on a new connection ('' if it closes or stays silent for a second). */
function greeting(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (text: string): void => {
      socket.destroy();
      resolve(text);
    };
    socket.setTimeout(1000, () => done(''));
    socket.once('data', (d: Buffer) => done(d.toString()));
    socket.once('close', () => done(''));
    socket.on('error', () => done(''));
  });
}

const PONG = `node -e "require('net').createServer((s) => s.end('pong from ' + process.env.PROC_NAME)).listen(Number(process.env.PORT), '127.0.0.1')"`;

describe('TCP proxy', () => {
  it('forwards connections on proxy_port to a running instance', async () => {
    const proxyPort = await freePort();
    const a = makeApp({
      Procfile: `app1: ${PONG}\n`,
      'Procfile.options': `processes:\n  app1:\n    quantity: 2\n    proxy_port: ${proxyPort}\n    proxy_address: 127.0.0.1\n`,
    });
    apps.push(a);
    await startDaemon(a, ['--proxy']);
    const instances = await waitForRunning(a, 'app1', 2);
    for (const i of instances) assert.ok(i.port! >= 20000 && i.port! <= 29999, 'proxied instances get a random port');
    const answer = await waitFor(async () => {
      const text = await readAll(proxyPort);
      return text.startsWith('pong') ? text : undefined;
    }, 5000, 'an answer through the proxy');
    assert.match(answer, /^pong from app1\.[12]$/);
    const reply = await status(a);
    assert.equal(reply.supervisor.proxy_enabled, true);
    const human = await cli(a, ['status']);
    assert.match(human.stdout, new RegExp(`^Proxy Enabled {7}yes$`, 'm'));
    assert.match(human.stdout, new RegExp(`^\\|\\| Proxy Listener {6}127\\.0\\.0\\.1:${proxyPort}$`, 'm'));
    await stopAll(a);
  });

  it('reports a proxy port already in use and keeps running', async () => {
    const blocker = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => {
        const address = blocker.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      }),
    );
    try {
      const a = makeApp({
        Procfile: `app1: ${PONG}\n`,
        'Procfile.options': `processes:\n  app1:\n    proxy_port: ${taken}\n`,
      });
      apps.push(a);
      const start = await cli(a, ['start', '--proxy']);
      assert.equal(start.code, 0, start.stderr);
      assert.match(start.stderr, new RegExp(`The proxy for 'app1' cannot listen on 127\\.0\\.0\\.1:${taken}: the address is already in use`));
      await waitForRunning(a, 'app1', 1);
      await stopAll(a);
    } finally {
      blocker.close();
    }
  });

  it('a flood of connections leaves the supervisor descriptors to answer and respawn with', async () => {
    const proxyPort = await freePort();
    // Every connection is kept open by the instance, as a slow client's would be.
    const HOLD = `node -e "require('net').createServer((s) => s.write('hi')).listen(Number(process.env.PORT), '127.0.0.1')"`;
    const a = makeApp({
      Procfile: `web: ${HOLD}\nother: sleep 300\n`,
      'Procfile.options': `processes:\n  web:\n    proxy_port: ${proxyPort}\n    proxy_address: 127.0.0.1\n`,
    });
    apps.push(a);
    // A small descriptor limit stands for a large one and a larger flood.
    const started = spawnSync('prlimit', ['--nofile=150:150', '--', process.execPath, CLI, 'start', '--proxy'], {
      cwd: a.root,
      encoding: 'utf8',
    });
    assert.equal(started.status, 0, started.stderr);
    await waitForRunning(a, 'web', 1);
    await waitFor(async () => (await greeting(proxyPort)) === 'hi' || undefined, 5000, 'the proxy answering');
    const flood: Socket[] = [];
    try {
      let settled = 0;
      for (let i = 0; i < 300; i++) {
        const socket = connect(proxyPort, '127.0.0.1');
        socket.on('connect', () => (settled += 1));
        socket.on('error', () => (settled += 1));
        flood.push(socket);
      }
      await waitFor(() => settled === 300, 10000, 'every flood connection made');
      const before = instancesOf(await status(a), 'other')[0]?.pid;
      assert.ok(typeof before === 'number');
      process.kill(before, 'SIGKILL');
      await waitFor(
        async () => {
          const other = instancesOf(await status(a), 'other')[0];
          return other?.status === 'running' && other.pid !== before ? other : undefined;
        },
        10000,
        'other.1 respawned while the flood holds its connections',
      );
      const log = await cli(a, ['log', '--supervisor', '-n', '200']);
      assert.match(log.stdout, /Refused \d+ connection\(s\) to web: \d+ are open/);
    } finally {
      for (const socket of flood) socket.destroy();
    }
    await waitFor(async () => (await greeting(proxyPort)) === 'hi' || undefined, 5000, 'the proxy answering after the flood');
    await stopAll(a);
  });
});
