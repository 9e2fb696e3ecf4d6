// `reload` (and SIGHUP): added, removed and changed processes, and a broken file that must
// leave the running configuration alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAlive } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, readPid, type TestApp, waitFor } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll, waitForDeath, waitForRunning } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

function readSoft(a: TestApp, rel: string): string {
  try {
    return a.read(rel);
  } catch {
    return '';
  }
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

const OPTIONS = 'stop_timeout: 1\n';

describe('reload', () => {
  it('makes an added process available without starting it', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': OPTIONS });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    a.write({ Procfile: 'web: sleep 300\nworker: sleep 300\n' });

    assert.deepEqual(lines(await ok(a, ['reload'])), [
      'Reloaded Procodile config',
      'Added worker: not started yet; `procodile start -p worker` (or `check_concurrency`, or a full `restart`) starts it',
    ]);
    let reply = await status(a);
    assert.deepEqual(
      reply.processes.map((p) => p.name),
      ['web', 'worker'],
    );
    assert.deepEqual(instancesOf(reply, 'worker'), [], 'reload does not start it');
    assert.equal(instancesOf(reply, 'web')[0]!.pid, web!.pid, 'web keeps running');
    const human = await ok(a, ['status']);
    assert.match(human, /\|\| worker\n\|\| Command {13}sleep 300\n[\s\S]*?\|\| No processes running\./);
    await waitFor(() => readSoft(a, 'procodile.log').includes('worker has been added to the Procfile. Adding it.'), 5000, 'the log');

    const out = await ok(a, ['start', '-p', 'worker']);
    assert.match(out, /^Started worker\.1 \(PID: \d+\)$/m);
    await waitForRunning(a, 'worker', 1);
    reply = await status(a);
    assert.deepEqual(reply.messages, []);
    await stopAll(a);
  });

  it('marks a removed process, keeps it running, and explains how to stop it', async () => {
    const a = app({ Procfile: 'web: sleep 300\nworker: sleep 300\n', 'Procfile.options': OPTIONS });
    await startDaemon(a);
    await waitForRunning(a, 'web', 1);
    const [worker] = await waitForRunning(a, 'worker', 1);
    a.write({ Procfile: 'web: sleep 300\n' });
    assert.deepEqual(lines(await ok(a, ['reload'])), [
      'Reloaded Procodile config',
      'Removed worker: 1 instance still running; `procodile stop -p worker` stops it',
    ]);

    const reply = await status(a);
    assert.ok(isAlive(worker!.pid!), 'the removed process is still running');
    assert.deepEqual(reply.messages, [{ type: 'removed_but_running', process: 'worker' }]);
    assert.equal(reply.processes.find((p) => p.name === 'worker')?.removed, true);
    const human = await withIssues(a, ['status']);
    assert.match(
      human,
      / \* worker has been removed from the Procfile but is still running; run `procodile stop -p worker` to stop it/,
    );
    assert.match(human, /\|\| Status {14}Removed from Procfile, still running \(will be removed after it exits\)/);
    const simple = await withIssues(a, ['status', '--simple']);
    assert.match(simple, /^Issues \|\| worker has been removed from the Procfile but is still running/);

    for (const command of ['start', 'restart']) {
      const refused = await cli(a, [command, '-p', 'worker']);
      assert.notEqual(refused.code, 0, `${command} -p worker is refused`);
      assert.match(refused.stderr, /'worker' has been removed from the Procfile .*procodile stop -p worker/);
    }
    const refused = await cli(a, ['restart', '-p', 'worker.1']);
    assert.match(refused.stderr, /'worker' has been removed from the Procfile/);

    // A full restart leaves it alone and says so.
    const out = await ok(a, ['restart']);
    assert.deepEqual(lines(out), [
      'Restarted web.1 -> web.2',
      'Skipped worker.1, it is still running but has been removed from the Procfile',
    ]);
    assert.ok(isAlive(worker!.pid!));

    assert.match(await ok(a, ['stop', '-p', 'worker', '--wait']), /Stopped worker\.1/);
    await waitForDeath(worker!.pid!);
    const after = await status(a);
    assert.deepEqual(after.messages, []);
    assert.deepEqual(
      after.processes.map((p) => p.name),
      ['web'],
      'the removed process is forgotten once stopped',
    );
    await stopAll(a);
  });

  it('reports removed-but-running processes even when restart itself reloads the files', async () => {
    const a = app({ Procfile: 'web: sleep 300\nworker: sleep 300\n', 'Procfile.options': OPTIONS });
    await startDaemon(a);
    await waitForRunning(a, 'worker', 1);
    a.write({ Procfile: 'web: sleep 300\n' });
    const refused = await cli(a, ['restart', '-p', 'worker']);
    assert.match(refused.stderr, /'worker' has been removed from the Procfile/);
    const out = await ok(a, ['restart']);
    assert.deepEqual(lines(out), [
      'Restarted web.1 -> web.2',
      'Skipped worker.1, it is still running but has been removed from the Procfile',
    ]);
    await stopAll(a);
  });

  it('applies a changed command on the next restart, not before', async () => {
    const a = app({ Procfile: "web: sh -c 'echo version one; exec sleep 300'\n", 'Procfile.options': OPTIONS });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    await waitFor(() => readSoft(a, 'web.log').includes('version one'), 5000, 'version one');
    a.write({
      Procfile: "web: sh -c 'echo version two; exec sleep 300'\n",
      'Procfile.options': 'stop_timeout: 1\nprocesses:\n  web:\n    quantity: 2\n    env:\n      A: b\n',
    });
    assert.deepEqual(lines(await ok(a, ['reload'])), [
      'Reloaded Procodile config',
      'Changed the command of web: 1 running instance keeps the old command until `procodile restart -p web`',
      'Changed quantity, env of web: 1 running instance keeps the old settings until `procodile restart -p web`',
    ]);

    const reply = await status(a);
    assert.equal(reply.processes[0]!.command, "sh -c 'echo version two; exec sleep 300'");
    assert.equal(instancesOf(reply, 'web')[0]!.pid, web!.pid, 'the running instance is not touched');
    assert.ok(!readSoft(a, 'web.log').includes('version two'));
    await waitFor(() => readSoft(a, 'procodile.log').includes('web command has changed. Updated.'), 5000, 'the log');

    assert.deepEqual(lines(await ok(a, ['restart'])), ['Restarted web.1 -> web.2', 'Started web.3 (was not running)']);
    await waitFor(() => readSoft(a, 'web.log').includes('version two'), 5000, 'version two');
    assert.deepEqual(lines(await ok(a, ['reload'])), ['Reloaded Procodile config', 'Nothing has changed.']);
    await stopAll(a);
  });

  it('reloads on SIGHUP', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': OPTIONS });
    await startDaemon(a);
    await waitForRunning(a, 'web', 1);
    a.write({ Procfile: 'web: sleep 300\njob: sleep 300\n' });
    process.kill(readPid(a.path('pids/procodile.pid'))!, 'SIGHUP');
    await waitFor(async () => (await status(a)).processes.some((p) => p.name === 'job'), 5000, 'job to be known');
    const out = await ok(a, ['check_concurrency', '--no-reload']);
    assert.match(out, /^Started job\.1 \(PID: \d+\)$/m);
    await waitForRunning(a, 'job', 1);
    await stopAll(a);
  });

  it('keeps the running configuration when a file is broken, and names the file and line', async () => {
    const a = app({
      Procfile: 'web: sleep 300\n',
      'Procfile.options': 'stop_timeout: 1\nprocesses:\n  web:\n    quantity: 1\n',
    });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const supervisor = readPid(a.path('pids/procodile.pid'))!;

    // A YAML syntax error in Procfile.options.
    a.write({ 'Procfile.options': 'stop_timeout: 1\nprocesses:\n  web:\n    quantity: [2\n' });
    let result = await cli(a, ['reload']);
    assert.notEqual(result.code, 0);
    assert.doesNotMatch(result.stdout, /Reloaded/);
    assert.match(result.stderr, /Procfile\.options:\d+/, 'file and line');
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');

    // A Procfile line that is not `name: command`.
    a.write({ 'Procfile.options': 'stop_timeout: 1\n', Procfile: 'web: sleep 300\nthis is not a process\n' });
    result = await cli(a, ['reload']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Procfile:2\b/, 'file and line');

    // The same through SIGHUP: the supervisor logs why and carries on.
    process.kill(supervisor, 'SIGHUP');
    await waitFor(
      () => /Configuration not reloaded: .*Procfile:2\b/.test(readSoft(a, 'procodile.log')),
      5000,
      'the supervisor to log the broken file',
    );
    assert.ok(isAlive(supervisor), 'the supervisor is still running');
    assert.ok(isAlive(web!.pid!), 'web is still running');

    // Once fixed, everything is as it was.
    a.write({ Procfile: 'web: sleep 300\n' });
    assert.deepEqual(lines(await ok(a, ['reload'])), ['Reloaded Procodile config', 'Nothing has changed.']);
    const reply = await status(a);
    assert.equal(instancesOf(reply, 'web')[0]!.pid, web!.pid);
    assert.deepEqual(reply.messages, []);
    await stopAll(a);
  });
});

describe('a broken file on disk while the supervisor runs', () => {
  it('still lets status, stop and kill reach the supervisor; restart reports the file and line', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'pid_root: tmp/pids\n' });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    a.write({ Procfile: 'web: sleep 300\nx: echo "a: b"\n' });

    const simple = await cli(a, ['status', '--simple']);
    assert.equal(simple.code, 0, simple.stderr);
    assert.equal(simple.stdout.trim(), 'OK || web[1]');
    assert.match(simple.stderr, /Warning: .*Procfile:2:4: invalid YAML/);
    assert.match(simple.stderr, /pid directory .*tmp\/pids/);

    const restart = await cli(a, ['restart']);
    assert.equal(restart.code, 1);
    assert.match(restart.stderr, /^Error: .*Procfile:2:4: invalid YAML: .* Fix the YAML syntax there/);
    assert.doesNotMatch(restart.stderr, /\^/, 'no caret left over from the source excerpt');
    assert.equal(readPid(a.path(`tmp/pids/web.1.pid`)), web!.pid, 'nothing was restarted');

    // An unknown key in Procfile.local: kill still finds every pid.
    a.write({ Procfile: 'web: sleep 300\n', 'Procfile.local': 'colour: red\n' });
    const kill = await cli(a, ['kill']);
    assert.equal(kill.code, 0, kill.stderr);
    assert.match(kill.stderr, /Warning: .*Procfile\.local/);
    await waitForDeath(web!.pid!);
    assert.equal(isAlive(web!.pid!), false);
  });
});
