// `restart` and `check_concurrency` driven through the CLI: every restart mode, selectors and
// tags, quantity reconciliation, and the exact lines each command prints.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAlive, listGroupMembers } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, type TestApp, waitFor } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll, waitForDeath, waitForRunning, fewestAlive } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

/** A file of the app, or '' while it does not exist yet. */
function readSoft(a: TestApp, rel: string): string {
  try {
    return a.read(rel);
  } catch {
    return '';
  }
}

/** Output lines, without the trailing empty one. */
function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** `status` and `status --simple` exit 2 when they show an issue. */
async function withIssues(a: TestApp, args: string[]): Promise<string> {
  const result = await cli(a, args);
  assert.equal(result.code, 2, `procodile ${args.join(' ')} should report issues:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

async function ok(a: TestApp, args: string[]): Promise<string> {
  const result = await cli(a, args);
  assert.equal(result.code, 0, `procodile ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Polls the live instances of `marker` every few ms while `action` runs; returns the fewest seen. */
// Exits half a second after its term signal, like a server draining its connections.
const SLOW_STOP = "trap 'sleep 0.5; exit 0' TERM\nwhile true; do sleep 0.1; done\n";
// The same, noting in events.txt when each instance starts and when it exits.
const NOTED_SLOW_STOP =
  'echo "start $$" >> events.txt\n' +
  "trap 'sleep 0.5; echo \"exit $$\" >> events.txt; exit 0' TERM\nwhile true; do sleep 0.1; done\n";

describe('restart modes', () => {
  it('term-start stops each instance, waits for it, and starts a new one with the same port', async () => {
    const a = app({
      Procfile: 'web: sh web.sh\n',
      'web.sh': 'echo "web $PORT says $GREETING"\n' + NOTED_SLOW_STOP,
      'Procfile.options': 'stop_timeout: 1\nprocesses:\n  web:\n    quantity: 2\n    allocate_port_from: 42100\n    env:\n      GREETING: hello\n',
    });
    await startDaemon(a);
    const before = await waitForRunning(a, 'web', 2);
    // A full restart picks up changed options from disk without a reload first.
    a.write({
      'Procfile.options':
        'stop_timeout: 1\nprocesses:\n  web:\n    quantity: 2\n    allocate_port_from: 42100\n    env:\n      GREETING: bonjour\n',
    });
    await waitFor(() => lines(readSoft(a, 'events.txt')).length === 2, 5000, 'both instances to note their start');
    const out = await ok(a, ['restart']);
    assert.deepEqual(lines(out), ['Restarted web.1 -> web.3', 'Restarted web.2 -> web.4']);
    // Each replacement waited for an old instance to exit before it started.
    const events = await waitFor(() => {
      const noted = lines(readSoft(a, 'events.txt'));
      return noted.length === 6 ? noted.map((l) => l.split(' ')[0]) : undefined;
    }, 5000, 'the restart to be noted');
    assert.deepEqual(events.slice(0, 3), ['start', 'start', 'exit'], 'an old instance exited before any new one started');
    for (const old of before) assert.equal(isAlive(old.pid!), false, `${old.description} has exited`);
    const after = await waitForRunning(a, 'web', 2);
    assert.deepEqual(after.map((i) => i.description).sort(), ['web.3', 'web.4']);
    // Ports from the range (a test running beside this one may hold some of it), kept by each replacement.
    const ports = before.map((i) => i.port!).sort();
    assert.ok(ports.every((port) => port >= 42100), ports.join(' '));
    assert.deepEqual(after.map((i) => i.port).sort(), ports, 'each replacement keeps its port');
    await waitFor(() => readSoft(a, 'web.log').includes(`web ${ports[0]} says bonjour`), 5000, 'the new env in web.log');
    await stopAll(a);
  });

  it('start-term starts the new instance before stopping the old: never zero instances', async () => {
    const a = app({
      Procfile: 'web: sh web.sh\n',
      'web.sh': SLOW_STOP,
      'Procfile.options': 'stop_timeout: 1\nprocesses:\n  web:\n    quantity: 2\n    restart_mode: start-term\n',
    });
    await startDaemon(a);
    const before = await waitForRunning(a, 'web', 2);
    const { fewest, samples } = await fewestAlive('web.sh', async () => {
      const out = await ok(a, ['restart']);
      assert.deepEqual(lines(out).sort(), ['Restarted web.1 -> web.3', 'Restarted web.2 -> web.4']);
      // Keep polling until the old instances have gone.
      await Promise.all(before.map((i) => waitForDeath(i.pid!, 5000)));
    });
    assert.ok(samples >= 5, `the poller sampled during the restart (${samples})`);
    assert.ok(fewest >= 2, `at least two instances were alive at every moment (fewest ${fewest})`);
    const after = await waitForRunning(a, 'web', 2);
    assert.deepEqual(after.map((i) => i.description).sort(), ['web.3', 'web.4']);
    const reply = await status(a);
    assert.deepEqual(reply.messages, [], 'status is clean once the old instances are gone');
    await stopAll(a);
  });

  for (const mode of ['usr1', 'usr2'] as const) {
    it(`${mode} signals only the main pid and keeps the instance`, async () => {
      const signal = mode.toUpperCase();
      const a = app({
        Procfile: 'web: sh web.sh\n',
        'web.sh':
          `trap 'echo got ${signal} >> signals.txt' ${signal}\n` +
          'sleep 300 &\necho $! > child.pid\n' +
          'while true; do sleep 0.1; done\n',
        'Procfile.options': `stop_timeout: 1\nprocesses:\n  web:\n    restart_mode: ${mode}\n    env:\n      V: one\n`,
      });
      await startDaemon(a);
      const [web] = await waitForRunning(a, 'web', 1);
      const child = await waitFor(() => Number(readSoft(a, 'child.pid').trim()) || undefined, 5000, 'the child pid');
      let out = await ok(a, ['restart']);
      assert.deepEqual(lines(out), ['Restarted web.1']);
      await waitFor(() => readSoft(a, 'signals.txt').includes(`got ${signal}`), 5000, `the ${signal} trap to run`);
      assert.ok(isAlive(child), 'the child in the same group was not signalled');
      const [same] = await waitForRunning(a, 'web', 1);
      assert.equal(same!.pid, web!.pid, 'the same process keeps running');

      // Changed env does not reach a process that is only signalled: say so.
      a.write({ 'Procfile.options': `stop_timeout: 1\nprocesses:\n  web:\n    restart_mode: ${mode}\n    env:\n      V: two\n` });
      out = await ok(a, ['restart']);
      assert.equal(lines(out)[0], 'Restarted web.1');
      assert.match(out, /web\.1 was only sent SIGUSR[12].*changes? to its command or environment/s);

      // A dead instance has nothing to signal: it is started again, and leaves no ghost (Q9).
      process.kill(web!.pid!, 'SIGKILL');
      await stopAll(a);
      await startDaemon(a, ['--no-respawn']);
      const [fresh] = await waitForRunning(a, 'web', 1);
      process.kill(fresh!.pid!, 'SIGKILL');
      await waitFor(async () => instancesOf(await status(a), 'web')[0]?.status === 'failed', 5000, 'web.1 to be failed');
      out = await ok(a, ['restart']);
      assert.deepEqual(lines(out), ['Restarted web.1 -> web.2']);
      const now = await waitForRunning(a, 'web', 1);
      assert.equal(instancesOf(await status(a), 'web').length, 1, 'no Stopped ghost is left');
      assert.equal(now[0]!.description, 'web.2');
      await stopAll(a);
    });
  }

  it('usr2 reaches a server whose command runs through the shell ($PORT), not the shell', async () => {
    const a = app({
      Procfile: 'web: sh web.sh $PORT\n',
      'web.sh': "trap 'echo got USR2 on $1 >> signals.txt' USR2\nwhile true; do sleep 0.1; done\n",
      'Procfile.options': 'stop_timeout: 1\nprocesses:\n  web:\n    restart_mode: usr2\n    allocate_port_from: 41500\n',
    });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    await ok(a, ['restart']);
    // The first free port of the range: a test running beside this one may hold 41500.
    assert.ok(typeof web!.port === 'number' && web!.port >= 41500);
    await waitFor(() => readSoft(a, 'signals.txt').includes(`got USR2 on ${web!.port}`), 5000, 'the server to get USR2');
    const [same] = await waitForRunning(a, 'web', 1);
    assert.equal(same!.pid, web!.pid, 'the server kept running: no respawn');
    assert.equal(same!.respawns, 0);
    await stopAll(a);
  });

  it('rejects an unknown restart_mode when the configuration is loaded (Q8, Q20)', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'processes:\n  web:\n    restart_mode: TERM\n' });
    const result = await cli(a, ['start']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /restart_mode/);
    assert.match(result.stderr, /term-start/);
  });
});

describe('restart selection and reconciliation', () => {
  it('restarts only the selected processes and instances, and tags the new ones', async () => {
    const a = app({
      Procfile: 'web: sleep 300\nworker: sleep 300\napp4.25.new: sleep 300\n',
      'Procfile.options': 'stop_timeout: 1\nprocesses:\n  web:\n    quantity: 2\n',
    });
    await startDaemon(a);
    await waitForRunning(a, 'web', 2);
    const [worker] = await waitForRunning(a, 'worker', 1);

    let out = await ok(a, ['restart', '-p', 'web.2', '-t', 'v2']);
    assert.deepEqual(lines(out), ['Restarted web.2 -> web.3']);
    let reply = await status(a);
    const web = instancesOf(reply, 'web').filter((i) => i.status === 'running');
    assert.deepEqual(web.map((i) => `${i.description}:${i.tag ?? '-'}`).sort(), ['web.1:-', 'web.3:v2']);
    assert.equal(instancesOf(reply, 'worker')[0]!.pid, worker!.pid, 'worker was left alone');

    out = await ok(a, ['restart', '-p', 'worker,app4.25.new']);
    assert.deepEqual(lines(out).sort(), ['Restarted app4.25.new.1 -> app4.25.new.2', 'Restarted worker.1 -> worker.2']);

    const unknown = await cli(a, ['restart', '-p', 'nope']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /Unknown process 'nope'/);
    reply = await status(a);
    assert.equal(instancesOf(reply, 'web').length, 2);
    await stopAll(a);
  });

  it('brings quantities up and down, and reports every change', async () => {
    const options = (n: number): string => `stop_timeout: 1\nprocesses:\n  web:\n    quantity: ${n}\n`;
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': options(1) });
    await startDaemon(a);
    await waitForRunning(a, 'web', 1);

    a.write({ 'Procfile.options': options(3) });
    let out = await ok(a, ['restart']);
    assert.deepEqual(lines(out), ['Restarted web.1 -> web.2', 'Started web.3 (was not running)', 'Started web.4 (was not running)']);
    await waitForRunning(a, 'web', 3);

    a.write({ 'Procfile.options': options(1) });
    out = await ok(a, ['restart']);
    assert.deepEqual(lines(out), ['Stopped web.2', 'Stopped web.3', 'Restarted web.4 -> web.5']);
    const [only] = await waitForRunning(a, 'web', 1);
    assert.equal(only!.description, 'web.5');
    await stopAll(a);
  });

  it('starts a process that was not running, and says when there is nothing to restart', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'stop_timeout: 1\n' });
    await startDaemon(a, ['--no-processes']);
    const out = await ok(a, ['restart', '-p', 'web']);
    assert.deepEqual(lines(out), ['Started web.1 (was not running)']);
    await waitForRunning(a, 'web', 1);
    await ok(a, ['stop', '-p', 'web', '--wait']);
    const none = await cli(a, ['restart', '-p', 'web.1']);
    assert.equal(none.code, 0);
    assert.deepEqual(lines(none.stdout), ['There are no processes to restart.']);
    assert.match(none.stderr, /No running instance is called web\.1/);
    await stopAll(a);
  });
});

describe('check_concurrency', () => {
  it('starts missing and stops excess instances, printing each change', async () => {
    const options = (n: number): string => `stop_timeout: 1\nprocesses:\n  web:\n    quantity: ${n}\n`;
    const a = app({ Procfile: 'web: sleep 300\nworker: sleep 300\n', 'Procfile.options': options(2) });
    await startDaemon(a);
    const web = await waitForRunning(a, 'web', 2);
    await waitForRunning(a, 'worker', 1);

    let out = await ok(a, ['check_concurrency']);
    assert.deepEqual(lines(out), ['Processes are running as configured']);

    // An instance stopped by hand is missing: status says so, check_concurrency fixes it.
    await ok(a, ['stop', '-p', 'worker', '--wait']);
    let simple = await withIssues(a, ['status', '--simple']);
    assert.equal(simple.trim(), 'Issues || worker has 0 instances (should have 1)');
    const human = await withIssues(a, ['status']);
    assert.match(human, / \* worker has 0 instances \(should have 1\)/);
    out = await ok(a, ['check_concurrency']);
    assert.match(out, /^Started worker\.2 \(PID: \d+\)$/m);
    assert.equal(lines(out).length, 1);
    await waitForRunning(a, 'worker', 1);

    // --no-reload does not see a changed quantity; a plain check_concurrency does.
    a.write({ 'Procfile.options': options(1) });
    out = await ok(a, ['check_concurrency', '--no-reload']);
    assert.deepEqual(lines(out), ['Processes are running as configured']);
    out = await ok(a, ['check_concurrency']);
    assert.deepEqual(lines(out), [`Stopped web.1 (PID: ${web[0]!.pid})`], 'the oldest instance goes');
    await waitForDeath(web[0]!.pid!);
    assert.equal((await waitForRunning(a, 'web', 1))[0]!.description, 'web.2');

    a.write({ 'Procfile.options': options(3) });
    out = await ok(a, ['check_concurrency']);
    assert.match(out, /^Started web\.3 \(PID: \d+\)\nStarted web\.4 \(PID: \d+\)\n$/);
    await waitForRunning(a, 'web', 3);
    simple = await ok(a, ['status', '--simple']);
    assert.equal(simple.trim(), 'OK || web[3], worker[1]');
    await stopAll(a);
  });

  it('reports an instance that is not running', async () => {
    const a = app({
      Procfile: 'web: sleep 300\ncrash: sh -c "exit 3"\n',
      'Procfile.options': 'stop_timeout: 1\nprocesses:\n  crash:\n    max_respawns: 0\n',
    });
    const start = await cli(a, ['start']);
    assert.equal(start.code, 1, 'start says that crash failed');
    assert.match(start.stderr, /crash\.1 has failed \(exit status 3\)/);
    await waitForRunning(a, 'web', 1);
    await waitFor(async () => instancesOf(await status(a), 'crash')[0]?.status === 'failed', 5000, 'crash.1 to fail');
    const human = await withIssues(a, ['status']);
    assert.match(human, / \* crash\.1 is not running \(Failed\)/);
    const reply = await status(a);
    assert.deepEqual(reply.messages, [{ type: 'not_running', instance: 'crash.1', status: 'Failed' }]);
    await stopAll(a);
  });
});

describe('the supervisor group is not signalled by mistake', () => {
  it('a restart leaves no process of the old instance behind', async () => {
    const a = app({ Procfile: "web: sh -c 'sleep 300 & sleep 300'\n", 'Procfile.options': 'stop_timeout: 1\n' });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    await waitFor(() => listGroupMembers(web!.pid!).length >= 2, 5000, 'the shell and its background sleep');
    const members = listGroupMembers(web!.pid!);
    const out = await ok(a, ['restart']);
    assert.deepEqual(lines(out), ['Restarted web.1 -> web.2']);
    for (const pid of members) assert.equal(isAlive(pid), false, `old group member ${pid} is gone`);
    await stopAll(a);
  });
});
