// The TCP proxy in front of a process's instances (Procodile 11).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { makeApp, waitFor, type TestApp } from '../helpers/app.js';
import { cli, startDaemon, status, stopAll, waitForRunning } from '../helpers/supervisor.js';
import { freePort, readAll } from '../helpers/tcp.js';

let apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.cleanup()));
  apps = [];
});



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
});
