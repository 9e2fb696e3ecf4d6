// What a user sees of a crashing process: how each run ended (log, status, JSON), backoff and
// the time of the next try, restart policies, hooks, and the exit codes of `start` and
// `status` that a deploy script or a monitor checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appsCleanedAfterEach, waitFor, type TestApp } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll, waitForRunning } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

const logOf = (a: TestApp): string => a.read('procodile.log');

describe('crash loops', () => {
  it('start exits non-zero naming a process that crash-loops; log, status and JSON say how each run ended; status --simple exits 2', async () => {
    const a = app({
      Procfile: "crash: sh -c 'sleep 0.05; exit 3'\nsegv: sh -c 'sleep 0.05; kill -SEGV $$'\nweb: sleep 300\n",
      'Procfile.options': 'processes:\n  crash:\n    max_respawns: 2\n',
    });
    const start = await cli(a, ['start']);
    assert.equal(start.code, 1, `start should fail:\n${start.stdout}\n${start.stderr}`);
    // Within the second that start watches, crash.1 is in backoff or already given up on.
    assert.match(start.stderr, /crash\.1 (keeps crashing and waits to be respawned|has failed) \(exit status 3\)/);
    assert.match(start.stderr, /segv\.1 keeps crashing and waits to be respawned \(killed by SIGSEGV\)/);

    const failed = await waitFor(
      async () => instancesOf(await status(a), 'crash').find((i) => i.status === 'failed'),
      15_000,
      'crash.1 to be given up on',
    );
    assert.equal(failed.last_exit_status, 3);
    assert.equal(failed.last_exit_signal, null);
    assert.ok(failed.last_exit_at !== null && failed.last_exit_at !== undefined && Math.abs(failed.last_exit_at - Date.now() / 1000) < 30);
    const reply = await status(a);
    const segv = instancesOf(reply, 'segv')[0];
    assert.equal(segv?.last_exit_signal, 'SIGSEGV');
    assert.equal(segv.last_exit_status, null);
    const issue = reply.runtime_issues.find((i) => i.process_name === 'crash')?.message ?? '';
    assert.match(issue, /the last runs ended: exit status 3 \(3 times\)/);

    const log = logOf(a);
    assert.match(log, /crash\.1 +\| Process has stopped \(exit status 3\), Respawning\.\.\./);
    assert.match(log, /crash\.1 +\| Process has stopped \(exit status 3\), 2 times in a row within 5s of starting; respawning in \d\.\ds/);
    assert.match(log, /segv\.1 +\| Process has stopped \(killed by SIGSEGV\), Respawning\.\.\./);
    // The last run too, when it is given up on.
    assert.match(log, /crash\.1 +\| Process has stopped \(exit status 3\); it has been respawned 2 times and keeps dying\./);

    const human = await cli(a, ['status']);
    assert.equal(human.code, 2, 'status exits 2 when it shows issues');
    assert.match(human.stdout, /crash\.1 +Failed .*last exit:3/);
    const simple = await cli(a, ['status', '--simple']);
    assert.equal(simple.code, 2);
    assert.match(simple.stdout, /^Issues \|\| /);
    await stopAll(a);
  });

  it('start --wait, which waits for readiness, exits non-zero naming a process that crash-loops too', async () => {
    const a = app({
      Procfile: "crash: sh -c 'sleep 0.2; exit 3'\nweb: sleep 300\n",
      'Procfile.options': 'processes:\n  crash:\n    ready: tcp\n    allocate_port_from: 27100\n',
    });
    const start = await cli(a, ['start', '--wait']);
    assert.equal(start.code, 1, `start --wait should fail:\n${start.stdout}\n${start.stderr}`);
    assert.match(start.stderr, /crash\.1 (keeps crashing and waits to be respawned|has failed) \(exit status 3\)/);
    await stopAll(a);
  });

  it('start -p on a running supervisor names a process that cannot be started, and does not call it nothing to start', async () => {
    const a = app({ Procfile: 'web: sleep 300\nmiss: ./no-such-program\n' });
    await cli(a, ['start']);
    const again = await cli(a, ['start', '-p', 'miss']);
    assert.equal(again.code, 1, again.stdout);
    assert.match(again.stderr, /Failed to start: miss/);
    assert.doesNotMatch(again.stdout, /No processes to start/);
    await stopAll(a);
  });

  it('shows backoff and the time of the next try in status', async () => {
    const a = app({
      Procfile: "crash: sh -c 'exit 1'\n",
      'Procfile.options': 'processes:\n  crash:\n    max_respawns: 100\n',
    });
    await cli(a, ['start']);
    const waiting = await waitFor(
      async () => instancesOf(await status(a), 'crash').find((i) => i.status === 'backoff' && (i.respawns ?? 0) >= 3),
      15_000,
      'a backoff after a few quick failures',
    );
    assert.ok(waiting.next_attempt_at !== null && waiting.next_attempt_at !== undefined);
    assert.ok(waiting.next_attempt_at >= (waiting.last_exit_at ?? 0), 'the next try is after the last exit');
    assert.equal(waiting.pid, null);
    const human = await cli(a, ['status']);
    assert.match(human.stdout, /crash\.1 +Backoff .*last exit:1 +next try:\d\d:\d\d:\d\d/);
    await stopAll(a);
    assert.match(logOf(a), /crash\.1 +\| Waiting respawn cancelled/);
  });
});

describe('restart policies', () => {
  it('on-failure: a run that exits 0 is completed, not an issue, and `start -p` runs it again', async () => {
    const a = app({
      Procfile: "job: sh -c 'echo ran >> runs.txt'\nweb: sleep 300\n",
      'Procfile.options': 'processes:\n  job:\n    restart: on-failure\n',
    });
    await startDaemon(a);
    const done = await waitFor(async () => instancesOf(await status(a), 'job').find((i) => i.status === 'completed'), 10_000, 'job.1 completed');
    assert.equal(done.last_exit_status, 0);
    assert.match(logOf(a), /job\.1 +\| Process has stopped \(exit status 0\); not restarted \(restart: on-failure\)/);
    const simple = await cli(a, ['status', '--simple']);
    assert.equal(simple.code, 0, simple.stdout);
    assert.equal(simple.stdout, 'OK || job[1], web[1]\n');
    const human = await cli(a, ['status']);
    assert.match(human.stdout, /job\.1 +Completed/);
    assert.match(human.stdout, /Restart policy +on-failure, backoff when up less than 5s \(at most 60s\)/);
    assert.equal(a.read('runs.txt'), 'ran\n', 'run once');

    const again = await cli(a, ['start', '-p', 'job']);
    assert.equal(again.code, 0, again.stderr);
    await waitFor(() => a.read('runs.txt') === 'ran\nran\n', 10_000, 'a second run');
    await stopAll(a);
  });

  it('never: a crash is not respawned either', async () => {
    const a = app({
      Procfile: "job: sh -c 'exit 4'\nweb: sleep 300\n",
      'Procfile.options': 'processes:\n  job:\n    restart: never\n',
    });
    await startDaemon(a);
    const done = await waitFor(async () => instancesOf(await status(a), 'job').find((i) => i.status === 'completed'), 10_000, 'job.1 completed');
    assert.equal(done.last_exit_status, 4);
    assert.equal(done.respawns, 0);
    await waitForRunning(a, 'web', 1);
    await stopAll(a);
  });
});

describe('hooks', () => {
  it('on_crash runs with the instance, its exit, its respawns and the app root; its output goes to procodile.log; a process hook wins', async () => {
    const hook = 'echo "crash of $PROC_NAME status=$EXIT_STATUS signal=${SIGNAL:-none} respawns=$RESPAWNS root=$APP_ROOT cwd=$(pwd)"; echo to-stderr >&2';
    const a = app({
      Procfile: "crash: sh -c 'sleep 0.2; exit 5'\nother: sh -c 'sleep 0.2; exit 6'\n",
      'Procfile.options': [
        `on_crash: '${hook.replaceAll("'", "''")}'`,
        'processes:',
        '  crash:',
        '    max_respawns: 1',
        '    on_failure: echo "gave up on $PROC_NAME after $RESPAWNS"',
        '  other:',
        '    max_respawns: 0',
        '    on_crash: echo "own hook of $PROC_NAME"',
        '',
      ].join('\n'),
    });
    await cli(a, ['start']);
    await waitFor(() => /gave up on crash\.1 after 1/.test(logOf(a)), 15_000, 'the on_failure hook output');
    await waitFor(() => /own hook of other\.1/.test(logOf(a)), 15_000, 'the process hook output');
    const log = logOf(a);
    assert.match(log, new RegExp(`crash\\.1 +\\| on_crash: crash of crash\\.1 status=5 signal=none respawns=0 root=${a.root} cwd=${a.root}`));
    assert.match(log, /crash\.1 +\| on_crash: to-stderr/);
    assert.match(log, /crash\.1 +\| on_crash: finished \(exit status 0\)/);
    assert.match(log, /crash\.1 +\| on_failure: gave up on crash\.1 after 1/);
    assert.doesNotMatch(log, /crash of other\.1/, 'the process hook replaces the top-level one');
    await stopAll(a);
  });
});
