// Deploys that drop nothing, as a user sees them: a real HTTP server behind procodile's proxy
// under a steady request loop while `procodile restart` runs in each replacing mode; a release
// whose new instances never become ready; a failing release_command; depends_on order.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { afterEach, describe, it } from 'node:test';
import { makeApp, waitFor, type TestApp } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll } from '../helpers/supervisor.js';
import { freePort } from '../helpers/tcp.js';

let apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps) await cli(a, ['stop', '-s', '--wait']).catch(() => undefined);
  await Promise.all(apps.map((a) => a.cleanup()));
  apps = [];
});

/** Takes a moment to boot (as real apps do), refuses to listen while `broken` exists, and closes gracefully on TERM. */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const server = http.createServer((req, res) => {
  res.setHeader('connection', 'close');
  res.end('ok ' + process.env.PROC_NAME + '\\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
if (fs.existsSync('broken')) setInterval(() => undefined, 1000);
else setTimeout(() => server.listen(Number(process.env.PORT), '127.0.0.1'), 600);
`;


async function webApp(mode: string, extra = ''): Promise<{ app: TestApp; proxyPort: number }> {
  const proxyPort = await freePort();
  const app = makeApp({
    'server.js': SERVER,
    Procfile: `web: ${process.execPath} server.js\n`,
    'Procfile.options':
      `proxy: true\nstop_timeout: 5\n${extra}` +
      `processes:\n  web:\n    quantity: 2\n    restart_mode: ${mode}\n    proxy_port: ${proxyPort}\n` +
      '    ready:\n      http: /health\n    ready_timeout: 4\n',
  });
  apps.push(app);
  return { app, proxyPort };
}

/** Sends requests back to back on `lanes` connections until stopped; counts what failed. */
function requestLoop(port: number, lanes = 4): { stop: () => Promise<{ sent: number; failed: string[] }> } {
  let running = true;
  let sent = 0;
  const failed: string[] = [];
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          if (res.statusCode !== 200 || !body.startsWith('ok ')) failed.push(`status ${res.statusCode}: ${body}`);
          resolve();
        });
        res.on('error', (e) => {
          failed.push(e.message);
          resolve();
        });
      });
      req.on('error', (e) => {
        failed.push(e.message);
        resolve();
      });
      sent += 1;
    });
  const lane = async (): Promise<void> => {
    while (running) await one();
  };
  const all = Promise.all(Array.from({ length: lanes }, lane));
  return {
    stop: async () => {
      running = false;
      await all;
      return { sent, failed };
    },
  };
}

async function readyPids(app: TestApp): Promise<number[]> {
  return waitFor(
    async () => {
      const web = instancesOf(await status(app), 'web');
      return web.length === 2 && web.every((i) => i.status === 'running' && i.pid !== null) ? web.map((i) => i.pid ?? 0) : undefined;
    },
    15_000,
    'two ready web instances',
  );
}

describe('zero-downtime restarts through the proxy', () => {
  for (const mode of ['start-term', 'term-start']) {
    it(`loses no request during restart in ${mode} mode`, async () => {
      const { app, proxyPort } = await webApp(mode);
      await startDaemon(app, ['--wait']);
      const before = await readyPids(app);
      const load = requestLoop(proxyPort);
      const restart = await cli(app, ['restart']);
      const { sent, failed } = await load.stop();
      assert.equal(restart.code, 0, restart.stderr);
      assert.deepEqual(failed, [], `${failed.length} of ${sent} requests failed`);
      assert.ok(sent > 50, `a steady load (${sent} requests)`);
      const after = await readyPids(app);
      assert.equal(after.filter((pid) => before.includes(pid)).length, 0, 'every instance was replaced');
      const json = instancesOf(await status(app), 'web');
      assert.ok(json.every((i) => typeof i.ready_seconds === 'number' && i.ready_seconds >= 0.5), 'status says how long they took to be ready');
      await stopAll(app);
    });
  }

  it('keeps the old instances serving when the new release never becomes ready, and restart fails', async () => {
    const { app, proxyPort } = await webApp('start-term');
    await startDaemon(app, ['--wait']);
    const before = await readyPids(app);
    app.write({ broken: '' });
    const load = requestLoop(proxyPort);
    const restart = await cli(app, ['restart']);
    const { sent, failed } = await load.stop();
    assert.equal(restart.code, 1);
    assert.match(restart.stderr, /Restart failed: web\.3 was not ready within 4s \(ready: http \/health\); web\.1 was kept running\./);
    assert.deepEqual(failed, [], `${failed.length} of ${sent} requests failed`);
    assert.deepEqual((await readyPids(app)).sort(), before.sort());
    await stopAll(app);
  });

  it('restarts nothing when release_command fails, and shows its output', async () => {
    const { app } = await webApp('start-term', 'release_command: "if [ -e no-release ]; then echo migration 7 failed; exit 3; fi"\n');
    await startDaemon(app, ['--wait']);
    const before = await readyPids(app);
    app.write({ 'no-release': '' });
    const restart = await cli(app, ['restart']);
    assert.equal(restart.code, 1);
    assert.match(restart.stderr, /Restart failed: Nothing was restarted: release_command .* exited with status 3; its output:\n  migration 7 failed\n/);
    assert.deepEqual((await readyPids(app)).sort(), before.sort());
    await stopAll(app);
  });
});

describe('depends_on', () => {
  it('starts a process after its dependency is ready and stops it before', async () => {
    const app = makeApp({
      Procfile: 'web: sleep 300\ndb: sh -c "sleep 1; echo accepting connections; exec sleep 300"\n',
      'Procfile.options': 'stop_timeout: 2\nprocesses:\n  web:\n    depends_on: [db]\n  db:\n    ready:\n      log: accepting\n',
    });
    apps.push(app);
    await startDaemon(app, ['--wait']);
    await stopAll(app);
    const log = app.read('procodile.log');
    const at = (pattern: RegExp): number => {
      const index = log.search(pattern);
      assert.notEqual(index, -1, `${pattern} in the log:\n${log}`);
      return index;
    };
    assert.ok(at(/db\.1.*Ready after/) < at(/web\.1.*Started with PID/), 'web starts once db is ready');
    assert.ok(at(/web\.1.*Sending TERM/) < at(/db\.1.*Sending TERM/), 'web stops before db');
  });
});

describe('check', () => {
  it('warns about a process whose command uses $PORT and that gets none', async () => {
    const app = makeApp({
      Procfile: 'web: bundle exec puma -p $PORT\nworker: sidekiq\n',
      'Procfile.options': 'processes:\n  web:\n    restart_mode: start-term\n',
    });
    apps.push(app);
    const result = await cli(app, ['check']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /warning processes\.web uses \$PORT but gets none: set allocate_port_from/);
    assert.doesNotMatch(result.stdout, /processes\.worker/);
    app.write({ 'Procfile.options': 'processes:\n  web:\n    restart_mode: start-term\n    allocate_port_from: 5000\n' });
    assert.doesNotMatch((await cli(app, ['check'])).stdout, /warning/);
  });
});
