// The deploy flow of the user guide on a two-release layout: procodile runs with
// `-r ROOT/current`; a deploy switches `current` to the next release, then `reload`,
// `restart` and `status` show exactly what changed.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import type { StatusReply } from '../../src/control/protocol.js';
import { isAlive } from '../../src/proc/liveness.js';
import { makeApp, runCli, waitFor, type TestApp } from '../helpers/app.js';
import { instancesOf, waitForDeath, fewestAlive } from '../helpers/supervisor.js';

let apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.cleanup()));
  apps = [];
});

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

function readSoft(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Two releases sharing pids and logs, as a Capistrano-style deploy lays them out. */
function deployment(): { a: TestApp; current: string; release: (n: number) => string } {
  const a = makeApp();
  apps.push(a);
  const shared = a.path('shared');
  const options = (greeting: string): string =>
    `pid_root: ${shared}/pids\nlog_root: ${shared}/log\nstop_timeout: 1\n` +
    `env:\n  GREETING: ${greeting}\n` +
    'processes:\n  web:\n    quantity: 2\n    restart_mode: start-term\n';
  // The code of each release says which release it is; `server.sh` itself is unchanged. It
  // does not exec, so each instance is one `sh server.sh` from start to end (counted by fewestAlive).
  const server = 'echo "web release=$(cat VERSION) greeting=$GREETING app_root=$APP_ROOT cwd=$(pwd -P)"\nsleep 300\n';
  a.write({
    'shared/pids/.keep': '',
    'shared/log/.keep': '',
    'releases/1/Procfile': 'web: sh server.sh\nlegacy: sleep 301\n',
    'releases/1/Procfile.options': options('hello'),
    'releases/1/server.sh': server,
    'releases/1/VERSION': '1\n',
    'releases/2/Procfile': 'web: sh server.sh\nworker: sh worker.sh\n',
    'releases/2/Procfile.options': options('bonjour'),
    'releases/2/server.sh': server,
    'releases/2/worker.sh': 'echo "worker release=$(cat VERSION)"\nexec sleep 300\n',
    'releases/2/VERSION': '2\n',
  });
  symlinkSync('releases/1', a.path('current'));
  return { a, current: a.path('current'), release: (n) => a.path('releases', String(n)) };
}

describe('deploying a new release behind a current symlink', () => {
  it('reload, restart and status take the application from release 1 to release 2', async () => {
    const { a, current, release } = deployment();
    const pc = async (...args: string[]): Promise<string> => {
      const result = await runCli(['-r', current, ...args], { cwd: a.root });
      assert.equal(result.code, 0, `procodile ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
      return result.stdout;
    };
    const status = async (): Promise<StatusReply> => JSON.parse(await pc('status', '--json')) as StatusReply;
    const webLog = a.path('shared/log/web.log');

    // Release 1 is running.
    assert.match(await pc('start'), /Started Procodile supervisor with PID \d+/);
    const first = await waitFor(
      async () => {
        const running = instancesOf(await status(), 'web').filter((i) => i.status === 'running');
        return running.length === 2 ? running : undefined;
      },
      10000,
      'two web instances of release 1',
    );
    let reply = await status();
    assert.equal(reply.root, current, 'the root is the symlink path, as given');
    assert.equal(reply.pid_root, a.path('shared/pids'));
    const [legacy] = instancesOf(reply, 'legacy');
    assert.ok(legacy !== undefined && legacy.pid !== null);
    await waitFor(() => readSoft(webLog).includes('web release=1'), 5000, 'release 1 in the web log');
    assert.ok(readSoft(webLog).includes(`web release=1 greeting=hello app_root=${current} cwd=${release(1)}`));

    // 1. Deploy the new release: switch `current` atomically.
    symlinkSync('releases/2', a.path('current.new'));
    renameSync(a.path('current.new'), current);
    assert.equal(readlinkSync(current), 'releases/2');

    // 2. reload: the supervisor reads release 2's files and says what changed.
    assert.deepEqual(lines(await pc('reload')), [
      'Reloaded Procodile config',
      'Removed legacy: 1 instance still running; `procodile stop -p legacy` stops it',
      'Added worker: not started yet; `procodile start -p worker` (or `check_concurrency`, or a full `restart`) starts it',
      'Changed the environment variables: running processes get them when restarted (`procodile restart`)',
    ]);
    reply = await status();
    assert.deepEqual(
      instancesOf(reply, 'web').map((i) => i.pid),
      first.map((i) => i.pid),
      'reload restarts nothing',
    );
    // Exit 2: status shows an issue (legacy is removed but still running).
    const withIssue = await runCli(['-r', current, 'status'], { cwd: a.root });
    assert.equal(withIssue.code, 2, withIssue.stderr);
    let human = withIssue.stdout;
    assert.match(human, /^Application Root {4}.*\/current$/m);
    assert.match(human, / \* legacy has been removed from the Procfile but is still running; run `procodile stop -p legacy` to stop it/);
    assert.match(human, /\|\| worker\n[\s\S]*?\|\| No processes running\./);

    // 3. restart: web is replaced with no moment without it, worker starts, legacy is left alone.
    let out = '';
    const { fewest, samples } = await fewestAlive('sh server.sh', async () => {
      out = await pc('restart');
      // Keep counting until the old instances have gone.
      await Promise.all(first.map((i) => waitForDeath(i.pid!, 5000)));
    });
    assert.ok(samples >= 5, `the poller sampled during the restart (${samples})`);
    assert.deepEqual(lines(out), [
      'Restarted web.1 -> web.3',
      'Restarted web.2 -> web.4',
      'Started worker.1 (was not running)',
      'Skipped legacy.1, it is still running but has been removed from the Procfile',
    ]);
    assert.ok(fewest >= 2, `web never had fewer than two instances during the restart (fewest ${fewest})`);

    // The new instances run release 2's code, with the root still the symlink path.
    await waitFor(() => readSoft(webLog).includes('web release=2'), 5000, 'release 2 in the web log');
    assert.ok(readSoft(webLog).includes(`web release=2 greeting=bonjour app_root=${current} cwd=${release(2)}`));
    await waitFor(() => readSoft(a.path('shared/log/worker.log')).includes('worker release=2'), 5000, 'the worker');
    reply = await status();
    for (const instance of [...instancesOf(reply, 'web'), ...instancesOf(reply, 'worker')]) {
      assert.equal(readlinkSync(`/proc/${instance.pid}/cwd`), release(2), `${instance.description} runs in release 2`);
    }
    assert.equal(reply.root, current);

    // 4. status: everything as configured once the removed process is stopped.
    assert.match(await pc('stop', '-p', 'legacy', '--wait'), /Stopped legacy\.1/);
    assert.equal(isAlive(legacy.pid), false);
    assert.equal((await pc('status', '--simple')).trim(), 'OK || web[2], worker[1]');
    human = await pc('status');
    assert.doesNotMatch(human, /legacy/);

    await pc('stop', '-s', '--wait');
  });

  it('a release started from its own directory keeps running that release (why -r current matters)', async () => {
    const { a, current, release } = deployment();
    const root = release(1);
    const pc = async (...args: string[]): Promise<string> => {
      const result = await runCli(['-r', root, ...args], { cwd: a.root });
      assert.equal(result.code, 0, `procodile ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
      return result.stdout;
    };
    await pc('start');
    await waitFor(() => readSoft(a.path('shared/log/web.log')).includes('web release=1'), 10000, 'release 1');
    symlinkSync('releases/2', a.path('current.new'));
    renameSync(a.path('current.new'), current);
    assert.deepEqual(lines(await pc('restart')).slice(0, 2), ['Restarted web.1 -> web.3', 'Restarted web.2 -> web.4']);
    const reply = JSON.parse(await pc('status', '--json')) as StatusReply;
    for (const instance of instancesOf(reply, 'web')) {
      if (instance.status !== 'running') continue;
      assert.equal(readlinkSync(`/proc/${instance.pid}/cwd`), release(1));
    }
    assert.ok(!readSoft(a.path('shared/log/web.log')).includes('web release=2'));
    await pc('stop', '-s', '--wait');
  });
});
