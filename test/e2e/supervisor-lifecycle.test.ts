// The supervisor core, driven as a user would: start, status, stop, respawn, kill.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isAlive, listGroupMembers } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, readPid, waitFor } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll, waitForDeath, waitForRunning } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

describe('start and stop in the background', () => {
  it('starts every process at its quantity, logs to files, and stops leaving nothing', async () => {
    const a = app({
      Procfile: "web: sh -c 'echo web says $PORT; exec sleep 300'\nworker: sleep 300\n",
      'Procfile.options': 'processes:\n  web:\n    quantity: 2\n    allocate_port_from: 41000\n',
    });
    await startDaemon(a);
    const web = await waitForRunning(a, 'web', 2);
    const worker = await waitForRunning(a, 'worker', 1);
    // Two ports of the range, the first free ones (a test running beside this one may hold some).
    const ports = web.map((i) => i.port!).sort();
    assert.ok(ports.length === 2 && ports[0]! >= 41000 && ports[1]! > ports[0]!, ports.join(' '));
    await waitFor(() => a.read('web.log').includes(`web says ${ports[0]}`), 5000, 'web output in web.log');
    const supervisorPid = readPid(a.path('pids/procodile.pid'));
    assert.ok(supervisorPid !== undefined && isAlive(supervisorPid));
    assert.equal(statSync(a.path('pids/procodile.sock')).mode & 0o777, 0o600, 'socket is private to its owner');
    assert.equal(readPid(a.path(`pids/${web[0]!.description}.pid`)), web[0]!.pid);

    // Every line of the supervisor log is one of ours: no warnings from Node about its flags.
    for (const line of a.read('procodile.log').trimEnd().split('\n')) assert.match(line, /^\d\d:\d\d:\d\d \S+ +\| /);

    await stopAll(a);
    for (const i of [...web, ...worker]) assert.equal(isAlive(i.pid!), false, `${i.description} is gone`);
    assert.equal(isAlive(supervisorPid), false, 'supervisor is gone');
    const simple = await cli(a, ['status', '--simple']);
    assert.equal(simple.stdout.trim(), "NotRunning || Procodile supervisor isn't running");
  });

  it('leaves no orphan behind when a process started children of its own', async () => {
    const a = app({ Procfile: "web: sh -c 'sleep 300 & sleep 300'\n" });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    await waitFor(() => listGroupMembers(web!.pid!).length >= 2, 5000, 'the shell and its background sleep');
    const members = listGroupMembers(web!.pid!);
    await stopAll(a);
    for (const pid of members) assert.equal(isAlive(pid), false, `group member ${pid} is gone`);
  });

  it('kills a process that ignores its term signal once stop_timeout has passed', async () => {
    const a = app({
      Procfile: "stubborn: sh -c 'trap \"\" TERM; while true; do sleep 0.1; done'\n",
      'Procfile.options': 'stop_timeout: 1\n',
    });
    await startDaemon(a);
    const [stubborn] = await waitForRunning(a, 'stubborn', 1);
    const started = Date.now();
    const stop = await cli(a, ['stop', '-p', 'stubborn', '--wait']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /Stopped stubborn\.1 \(PID: \d+\)/);
    assert.equal(isAlive(stubborn!.pid!), false);
    assert.ok(Date.now() - started >= 900, 'it was given its stop_timeout first');
    await waitFor(() => a.read('procodile.log').includes('sending KILL to the process group'), 5000, 'the forced stop to be logged');
    await stopAll(a);
  });

  it('replaces an instance killed with SIGKILL at once', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    await startDaemon(a);
    const [before] = await waitForRunning(a, 'web', 1);
    process.kill(before!.pid!, 'SIGKILL');
    const [after] = await waitFor(
      async () => {
        const list = instancesOf(await status(a), 'web').filter((i) => i.status === 'running' && i.pid !== before!.pid);
        return list.length === 1 ? list : undefined;
      },
      5000,
      'a new web pid',
    );
    assert.equal(after!.description, 'web.1', 'a respawn keeps the instance id');
    assert.equal(after!.respawns, 1);
    assert.equal(readPid(a.path('pids/web.1.pid')), after!.pid);
    await stopAll(a);
  });

  it('gives up on a crash loop and says so', async () => {
    const a = app({
      Procfile: 'crash: sh -c "echo boom; exit 3"\nok: sleep 300\n',
      'Procfile.options': 'processes:\n  crash:\n    max_respawns: 2\n',
    });
    const start = await cli(a, ['start']);
    assert.equal(start.code, 1, `start says that crash keeps crashing:\n${start.stdout}\n${start.stderr}`);
    // Within the second that start watches, crash.1 is in backoff or already given up on.
    assert.match(start.stderr, /crash\.1 (keeps crashing and waits to be respawned|has failed) \(exit status 3\)/);
    const failed = await waitFor(
      async () => {
        const reply = await status(a);
        return instancesOf(reply, 'crash').find((i) => i.status === 'failed') ? reply : undefined;
      },
      10000,
      'crash to fail',
    );
    assert.equal(failed.runtime_issues.length, 1);
    assert.match(failed.runtime_issues[0]!.message, /Process 'crash' failed repeatedly/);
    assert.match(failed.runtime_issues[0]!.message, /restart -p crash/);
    const human = await cli(a, ['status']);
    assert.match(human.stdout, /crash\.1 is not running \(Failed\)/);
    assert.match(human.stderr, /Active issues:/);
    const simple = await cli(a, ['status', '--simple']);
    assert.match(simple.stdout, /^Issues \|\| crash\.1 is not running \(Failed\)/);
    assert.equal(simple.code, 2);
    assert.equal(a.read('crash.log').split('boom').length - 1, 3, 'started once and respawned twice');
    await stopAll(a);
  });

  it('does not exit while what a crashed instance left behind is still being stopped', async () => {
    const a = app({
      Procfile: 'web: sh leave.sh\n',
      // First run: leave a child that ignores SIGTERM, then crash. The respawn just waits.
      'leave.sh': "if [ -f kid.pid ]; then exec sleep 300; fi\ntrap '' TERM\nsleep 300 &\necho $! > kid.pid\nexit 1\n",
      'Procfile.options': 'stop_timeout: 2\n',
    });
    await startDaemon(a);
    const kid = await waitFor(() => readPid(a.path('kid.pid')), 5000, 'the crashed run to leave its child');
    await waitFor(async () => (instancesOf(await status(a), 'web')[0]?.respawns ?? 0) >= 1, 5000, 'the respawn');
    assert.ok(isAlive(kid), 'the child ignored SIGTERM and is still there');
    await stopAll(a);
    assert.equal(isAlive(kid), false, 'after stop -s --wait the crashed run\'s child is gone too');
  });

  it('starts exactly one supervisor when two starts race, and the other says so', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'stop_timeout: 1\n' });
    for (let round = 0; round < 3; round += 1) {
      const results = await Promise.all([cli(a, ['start']), cli(a, ['start']), cli(a, ['start'])]);
      const winners = results.filter((r) => r.code === 0 && /Started Procodile supervisor with PID/.test(r.stdout));
      // A start that comes after the winner is up just tops up (nothing to do): also exit 0.
      for (const r of results) {
        if (r.code !== 0) assert.match(r.stderr, /supervisor .*(already (starting or )?runs?|already running|exited during start-up)/s, r.stderr);
      }
      assert.ok(winners.length >= 1, 'one start succeeded');
      const reply = await status(a);
      assert.equal(instancesOf(reply, 'web').length, 1, 'one web instance, managed once');
      const supervisorPid = readPid(a.path('pids/procodile.pid'))!;
      const web = instancesOf(reply, 'web')[0]!;
      await stopAll(a);
      assert.equal(isAlive(supervisorPid), false);
      // Nothing outlives the stop: no second, unreachable supervisor respawning web.
      await waitFor(() => !isAlive(web.pid!), 5000, 'web to be gone');
      const leftovers = await a.leftovers();
      assert.deepEqual(leftovers, [], 'no process of the app is left');
    }
  });

  it('runs two applications side by side without them touching each other', async () => {
    const one = app({ Procfile: 'web: sleep 300\n' });
    const two = app({ Procfile: 'web: sleep 300\n' });
    await startDaemon(one);
    await startDaemon(two);
    const [webOne] = await waitForRunning(one, 'web', 1);
    const [webTwo] = await waitForRunning(two, 'web', 1);
    assert.notEqual(webOne!.pid, webTwo!.pid);
    assert.equal((await status(one)).root, one.root);
    assert.equal((await status(two)).root, two.root);
    await stopAll(one);
    assert.equal(isAlive(webOne!.pid!), false);
    assert.equal(isAlive(webTwo!.pid!), true, 'stopping one app leaves the other running');
    await stopAll(two);
  });

  it('refuses to share a pid directory with another application’s live supervisor', async () => {
    const one = app({ Procfile: 'web: sleep 300\n' });
    const two = app({ Procfile: 'web: sleep 300\n' });
    two.write({ 'Procfile.options': `pid_root: ${one.path('pids')}\n` });
    await startDaemon(one);
    const clash = await cli(two, ['start']);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, new RegExp(`used by a running supervisor of another application \\(${one.root}\\)`));
    assert.match(clash.stderr, /pid_root/);
    await stopAll(one);
  });

  it('refuses options that need a fresh supervisor when one is running', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    await startDaemon(a);
    for (const flag of ['-f', '--no-respawn', '--stop-when-none', '--proxy']) {
      const result = await cli(a, ['start', flag]);
      assert.equal(result.code, 1, flag);
      assert.match(result.stderr, /because supervisor (is )?already running|when the supervisor is running/);
    }
    const again = await cli(a, ['start']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /No processes to start\./);
    await stopAll(a);
  });

  it('tops a process up to its quantity when started again', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'processes:\n  web:\n    quantity: 2\n' });
    await startDaemon(a);
    const [first] = await waitForRunning(a, 'web', 2);
    const stop = await cli(a, ['stop', '-p', first!.description, '--wait']);
    assert.equal(stop.code, 0, stop.stderr);
    const start = await cli(a, ['start', '-p', 'web']);
    assert.match(start.stdout, /Started web\.3 \(PID: \d+\)/);
    await waitForRunning(a, 'web', 2);
    await stopAll(a);
  });

  it('kill sends KILL to the supervisor and every process group', async () => {
    const a = app({ Procfile: "web: sh -c 'sleep 300 & sleep 300'\n" });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const supervisorPid = readPid(a.path('pids/procodile.pid'))!;
    await waitFor(() => listGroupMembers(web!.pid!).length >= 2, 5000, 'the group to form');
    const members = listGroupMembers(web!.pid!);
    // A pid file naming a process that is not ours (a recycled pid, say) must be left alone.
    const stranger = spawn('sleep', ['300'], { cwd: '/', stdio: 'ignore' });
    try {
      a.write({ 'pids/ghost.1.pid': `${stranger.pid}\n` });
      const result = await cli(a, ['kill']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`Sent KILL -9 to ${supervisorPid} \\(procodile\\)`));
      assert.match(result.stdout, new RegExp(`Sent KILL -9 to ${web!.pid} \\(web\\.1\\)`));
      assert.match(result.stderr, new RegExp(`Left PID ${stranger.pid} \\(ghost\\.1\\) alone`));
      await waitForDeath(supervisorPid);
      for (const pid of members) await waitForDeath(pid);
      assert.equal(isAlive(stranger.pid!), true, 'the stranger was not signalled');
    } finally {
      stranger.kill('SIGKILL');
    }
    const simple = await cli(a, ['status', '--simple']);
    assert.match(simple.stdout, /^NotRunning/);
  });

  it('gives each instance its variables and strips what only describes the launcher', async () => {
    const a = app({
      Procfile: 'web: sh -c \'env > env.$PROC_NAME.txt; exec sleep 300\'\n',
      'Procfile.options': 'env:\n  GLOBAL_ONE: one\nprocesses:\n  web:\n    allocate_port_from: 41100\n    env:\n      OWN: mine\n',
    });
    const start = await cli(a, ['start'], { npm_config_cache: '/tmp/x', npm_lifecycle_event: 'start' });
    assert.equal(start.code, 0, start.stderr);
    await waitFor(() => {
      try {
        return a.read('env.web.1.txt').includes('OWN=');
      } catch {
        return false;
      }
    }, 5000, 'the env dump');
    const env = readFileSync(a.path('env.web.1.txt'), 'utf8');
    // allocate_port_from skips a port in use, and a parallel test may hold 41100
    const port = Number(/^PORT=(\d+)$/m.exec(env)?.[1]);
    assert.ok(port >= 41100 && port < 41200, `PORT ${port} allocated from 41100`);
    assert.match(env, /^PROC_NAME=web\.1$/m);
    assert.match(env, new RegExp(`^APP_ROOT=${a.root}$`, 'm'));
    assert.match(env, new RegExp(`^PID_FILE=${a.root}/pids/web\\.1\\.pid$`, 'm'));
    assert.match(env, /^GLOBAL_ONE=one$/m);
    assert.match(env, /^OWN=mine$/m);
    assert.doesNotMatch(env, /npm_|PROCODILE_DAEMON_CHILD/);
    await stopAll(a);
  });
});
