// `ready: notify` as a user sees it: instances that tell readiness with systemd-notify (the
// sd_notify protocol) are `starting` until they do; one that never does is stopped at
// ready_timeout; a rolling restart waits for it; the perl receiver and its socket are gone
// once the check is over; and the supervisor's own NOTIFY_SOCKET never reaches an instance.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { isAlive } from '../../src/proc/liveness.js';
import { makeApp, waitFor, type TestApp } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll } from '../helpers/supervisor.js';

let apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps) await cli(a, ['stop', '-s', '--wait']).catch(() => undefined);
  await Promise.all(apps.map((a) => a.cleanup()));
  apps = [];
});

/** Boots, waits for the file `go` (so the test sees it starting), then says READY=1 as systemd apps do. */
const NOTIFYING = `web: sh -c 'while [ ! -e go ]; do sleep 0.05; done; systemd-notify --ready "STATUS=serving"; exec sleep 300'\n`;

function notifyApp(procfile: string, options: string): TestApp {
  const app = makeApp({ Procfile: procfile, 'Procfile.options': `stop_timeout: 3\n${options}` });
  apps.push(app);
  return app;
}

/** Live perl processes whose parent is `ppid`, from /proc/PID/stat (a zombie counts as dead). */
function perlChildrenOf(ppid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'perl' && parent === ppid && isAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** The receivers' socket directories left in the pid directory. */
function socketDirectories(app: TestApp): string[] {
  return readdirSync(app.path('pids')).filter((name) => name.startsWith('.notify-'));
}

async function supervisorPid(app: TestApp): Promise<number> {
  return (await status(app)).supervisor.pid;
}

describe('ready: notify', () => {
  it('keeps an instance starting until it sends READY=1, then removes the receiver and its socket', async () => {
    const app = notifyApp(NOTIFYING, 'processes:\n  web:\n    ready: notify\n    ready_timeout: 30\n');
    await startDaemon(app);
    const supervisor = await supervisorPid(app);
    const [starting] = instancesOf(await status(app), 'web');
    assert.equal(starting?.status, 'starting');
    assert.equal(perlChildrenOf(supervisor).length, 1, 'a receiver listens while the instance starts');
    assert.equal(socketDirectories(app).length, 1);
    // Nothing may happen here, so there is no condition to wait for: the pause covers a few
    // of the check's quarter-second tries, any of which would wrongly pass.
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(instancesOf(await status(app), 'web')[0]?.status, 'starting');
    app.write({ go: '' });
    const ready = await waitFor(
      async () => instancesOf(await status(app), 'web').find((i) => i.status === 'running'),
      10_000,
      'web.1 to be ready',
    );
    assert.equal(typeof ready.ready_seconds, 'number');
    assert.ok((ready.ready_seconds ?? 0) >= 0.6, `ready after ${ready.ready_seconds}s`);
    assert.match(app.read('procodile.log'), /web\.1.*Ready after/);
    await waitFor(() => perlChildrenOf(supervisor).length === 0, 5000, 'the receiver to be gone');
    assert.deepEqual(socketDirectories(app), []);
    await stopAll(app);
  });

  it('stops an instance that never sends READY=1 at ready_timeout, with the runtime issue', async () => {
    const app = notifyApp('web: sleep 300\n', 'processes:\n  web:\n    ready: notify\n    ready_timeout: 2\n');
    await startDaemon(app);
    const supervisor = await supervisorPid(app);
    const issue = await waitFor(
      async () => (await status(app)).runtime_issues.find((i) => i.type === 'instance_not_ready'),
      10_000,
      'the not-ready issue',
    );
    assert.match(issue.message, /web\.1 was not ready within 2s \(ready: notify\); it was stopped\./);
    await waitFor(async () => instancesOf(await status(app), 'web').every((i) => i.status !== 'starting'), 10_000, 'web.1 to leave starting');
    await waitFor(() => perlChildrenOf(supervisor).length === 0, 5000, 'the receiver to be gone');
    assert.deepEqual(socketDirectories(app), []);
    await stopAll(app);
  });

  it('rolls a restart one instance at a time, each new one waiting for its READY=1', async () => {
    const app = notifyApp(NOTIFYING, 'processes:\n  web:\n    quantity: 2\n    restart_mode: start-term\n    ready: notify\n    ready_timeout: 4\n');
    app.write({ go: '' });
    await startDaemon(app, ['--wait']);
    const before = instancesOf(await status(app), 'web');
    assert.deepEqual(before.map((i) => i.status), ['running', 'running']);
    const restart = await cli(app, ['restart']);
    assert.equal(restart.code, 0, restart.stderr);
    const after = instancesOf(await status(app), 'web');
    assert.equal(after.length, 2);
    assert.ok(after.every((i) => i.status === 'running' && !before.some((b) => b.pid === i.pid)), JSON.stringify(after));
    const log = app.read('procodile.log');
    // start-term: web.3 is ready before web.1 is sent its term signal.
    assert.ok(log.search(/web\.3.*Ready after/) < log.search(/web\.1.*Sending TERM/), log);

    // A release whose new instance never says READY=1 keeps the old ones.
    rmSync(app.path('go'));
    const failed = await cli(app, ['restart']);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /Restart failed: web\.5 was not ready within 4s \(ready: notify\); web\.3 was kept running\./);
    assert.deepEqual(
      instancesOf(await status(app), 'web').filter((i) => i.status === 'running').map((i) => i.pid).sort(),
      after.map((i) => i.pid).sort(),
    );
    await stopAll(app);
  });

  it('ends the receiver when an instance is stopped while it starts', async () => {
    const app = notifyApp('web: sleep 300\n', 'processes:\n  web:\n    ready: notify\n    ready_timeout: 60\n');
    await startDaemon(app);
    const supervisor = await supervisorPid(app);
    assert.equal(perlChildrenOf(supervisor).length, 1);
    const stop = await cli(app, ['stop', '--wait']);
    assert.equal(stop.code, 0, stop.stderr);
    await waitFor(() => perlChildrenOf(supervisor).length === 0, 5000, 'the receiver to be gone');
    assert.deepEqual(socketDirectories(app), []);
    await stopAll(app);
  });

  it('fails the start naming perl when it is not on PATH, and check warns', async () => {
    const empty = mkdtempSync('/tmp/np-');
    try {
      const app = notifyApp('web: /bin/sleep 300\n', `env:\n  PATH: ${empty}\nprocesses:\n  web:\n    ready: notify\n`);
      const check = await cli(app, ['check']);
      assert.match(check.stdout, /warning processes\.web: ready: notify needs perl .* there is none on PATH/);
      const start = await cli(app, ['start']);
      assert.equal(start.code, 1);
      assert.match(start.stdout + start.stderr, /Process 'web' failed to start: ready: notify needs perl to receive READY=1 on NOTIFY_SOCKET.*install perl-base/);
      await cli(app, ['stop', '-s', '--wait']);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('NOTIFY_SOCKET', () => {
  it('never passes the supervisor’s own socket on; a ready: notify instance gets one of its own', async () => {
    const app = notifyApp(
      'plain: sh -c \'echo "[$NOTIFY_SOCKET]" > plain.seen; exec sleep 300\'\n' +
        'own: sh -c \'echo "[$NOTIFY_SOCKET]" > own.seen; exec sleep 300\'\n',
      'processes:\n  own:\n    ready: notify\n    ready_timeout: 30\n',
    );
    // As under a Type=notify unit: the supervisor inherits systemd's socket.
    const result = await cli(app, ['start'], { NOTIFY_SOCKET: app.path('systemd-notify.sock') });
    assert.equal(result.code, 0, result.stderr);
    await waitFor(() => existsSync(app.path('plain.seen')) && existsSync(app.path('own.seen')), 10_000, 'both to write what they see');
    assert.equal(app.read('plain.seen'), '[]\n');
    assert.match(app.read('own.seen'), /^\[\/tmp\/pc-[^/]+\/pids\/\.notify-[A-Za-z0-9]{6}\/notify\.sock\]\n$/);
    await stopAll(app);
  });
});
