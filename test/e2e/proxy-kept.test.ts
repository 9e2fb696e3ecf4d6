// A supervisor started again after a crash serves the application as the first start did: its
// proxy, env file and port allocations; a clean stop forgets them (README.md, "The TCP proxy").
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { makeApp, readPid, waitFor, type TestApp } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll, waitForDeath, waitForRunning } from '../helpers/supervisor.js';
import { freePort, readAll } from '../helpers/tcp.js';

let apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.cleanup()));
  apps = [];
});



const PONG = `node -e "require('net').createServer((s) => s.end('pong from ' + process.env.PROC_NAME)).listen(Number(process.env.PORT || 0), '127.0.0.1')"`;

async function answersThroughProxy(port: number): Promise<string> {
  return waitFor(async () => {
    const text = await readAll(port);
    return text.startsWith('pong') ? text : undefined;
  }, 10000, `an answer through the proxy on ${port}`);
}

async function killSupervisor(a: TestApp): Promise<void> {
  const supervisor = readPid(a.path('pids/procodile.pid'))!;
  process.kill(supervisor, 'SIGKILL');
  await waitForDeath(supervisor);
}

/** An application whose one web instance is behind the proxy on a free port. */
async function proxiedApp(): Promise<{ a: TestApp; proxyPort: number }> {
  const proxyPort = await freePort();
  const a = makeApp({
    Procfile: `web: ${PONG}\n`,
    'Procfile.options': `processes:\n  web:\n    proxy_port: ${proxyPort}\n`,
  });
  apps.push(a);
  return { a, proxyPort };
}

describe('a supervisor started again after a crash', () => {
  it('keeps the proxy of the first start, until a clean stop', async () => {
    const { a, proxyPort } = await proxiedApp();
    await startDaemon(a, ['--proxy']);
    const [web] = await waitForRunning(a, 'web', 1);
    assert.match(await answersThroughProxy(proxyPort), /^pong from web\.1$/);

    await killSupervisor(a);
    assert.equal(await readAll(proxyPort), '', 'the proxy died with its supervisor');
    const again = await cli(a, ['start']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Found web\.1 still running .* it will be adopted/);
    assert.match(await answersThroughProxy(proxyPort), /^pong from web\.1$/);
    const reply = await status(a);
    assert.equal(reply.supervisor.proxy_enabled, true);
    assert.equal(instancesOf(reply, 'web')[0]?.pid, web!.pid, 'the adopted instance serves through the new proxy');
    assert.match(a.read('procodile.log'), /Proxy kept from the previous supervisor/);

    // A deliberate stop and start is a fresh start: no proxy without --proxy.
    await stopAll(a);
    await startDaemon(a);
    await waitForRunning(a, 'web', 1);
    assert.equal((await status(a)).supervisor.proxy_enabled, false);
    assert.equal(await readAll(proxyPort), '', 'nothing listens on the proxy port');
    await stopAll(a);
  });

  it('runs without the proxy when the new start says --no-proxy', async () => {
    const { a } = await proxiedApp();
    await startDaemon(a, ['--proxy']);
    await waitForRunning(a, 'web', 1);
    await killSupervisor(a);
    const again = await cli(a, ['start', '--no-proxy']);
    assert.equal(again.code, 0, again.stderr);
    await waitForRunning(a, 'web', 1);
    assert.equal((await status(a)).supervisor.proxy_enabled, false);
    assert.doesNotMatch(a.read('procodile.log'), /Proxy kept/);
    await stopAll(a);
  });

  it('keeps the env file and port allocations for instances it respawns', async () => {
    const port = await freePort();
    const a = makeApp({
      Procfile: 'web: echo "$GREETING $PORT" > seen.txt; exec sleep 300\n',
      'app.env': 'GREETING=hello\n',
    });
    apps.push(a);
    await startDaemon(a, ['--env-file', 'app.env', '--ports', `web:${port}`]);
    const [web] = await waitForRunning(a, 'web', 1);
    await waitFor(() => a.read('seen.txt').trim() === `hello ${port}` || undefined, 5000, 'the first instance to write what it saw');

    await killSupervisor(a);
    const again = await cli(a, ['start']);
    assert.equal(again.code, 0, again.stderr);
    await waitForRunning(a, 'web', 1);
    process.kill(web!.pid!, 'SIGKILL');
    await waitFor(
      async () => instancesOf(await status(a), 'web').find((i) => i.status === 'running' && i.pid !== web!.pid),
      10000,
      'the adopted instance to be respawned',
    );
    await waitFor(() => a.read('seen.txt').trim() === `hello ${port}` || undefined, 5000, 'the respawned instance to see the env file and its port');
    assert.match(a.read('procodile.log'), /Env file .*app\.env kept from the previous supervisor/);
    await stopAll(a);
  });

  it('gives the systemd unit the proxy the running supervisor has', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    apps.push(a);
    const plain = await cli(a, ['systemd']);
    assert.match(plain.stdout, /^ExecStart=.* start --foreground$/m);
    const asked = await cli(a, ['systemd', '--proxy']);
    assert.match(asked.stdout, /^ExecStart=.* start --foreground --proxy$/m);
    await startDaemon(a, ['--proxy']);
    await waitForRunning(a, 'web', 1);
    const running = await cli(a, ['systemd', '--mode', 'oneshot']);
    assert.match(running.stdout, /^ExecStart=.* start --clean --proxy$/m);
    await stopAll(a);
  });
});
