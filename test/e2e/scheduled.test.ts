// Scheduled (cron) processes under a real supervisor (Procodile 8).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appsCleanedAfterEach, type TestApp, waitFor } from '../helpers/app.js';
import { cli, startDaemon, status, stopAll, waitForRunning } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

const runsIn = (a: TestApp, file: string): string[] => {
  try {
    return a.read(file).split('\n').filter((l) => l.length > 0);
  } catch {
    return [];
  }
};

describe('scheduled processes', () => {
  it('runs a job on its schedule, never overlapping, and reports its last run', async () => {
    const a = app({
      Procfile: 'job__AT__* * * * * *: sh -c \'echo start >> runs.txt; sleep 1.5; echo finish >> runs.txt\'\nweb: sleep 300\n',
    });
    await startDaemon(a);
    await waitForRunning(a, 'web', 1);
    const reply = await waitFor(
      async () => {
        const s = await status(a);
        const job = s.processes.find((p) => p.name === 'job');
        return job?.last_finished_at !== undefined ? s : undefined;
      },
      8000,
      'a finished run',
    );
    const job = reply.processes.find((p) => p.name === 'job')!;
    assert.equal(job.schedule, '* * * * * *');
    assert.equal(job.last_exit_status, 0);
    assert.ok((job.last_run_duration ?? 0) >= 1.4, `duration ${job.last_run_duration}`);
    const lines = runsIn(a, 'runs.txt');
    for (let i = 0; i + 1 < lines.length; i += 2) assert.deepEqual(lines.slice(i, i + 2), ['start', 'finish']);
    const human = await cli(a, ['status']);
    assert.match(human.stdout, /^\|\| Schedule {12}\* \* \* \* \* \*$/m);
    assert.match(human.stdout, /^\|\| Last Exit Status {4}0$/m);
    assert.doesNotMatch(human.stdout, /job has \d+ instances/, 'scheduled processes have no quantity');
    await stopAll(a);
  });

  it('stop disables future runs and start enables them again', async () => {
    const a = app({
      Procfile: "job__AT__* * * * * *: sh -c 'echo run >> runs.txt'\nclock__AT__* * * * * *: sh -c 'echo tick >> ticks.txt'\n",
    });
    await startDaemon(a);
    await waitFor(() => runsIn(a, 'runs.txt').length >= 1, 4000, 'a first run');
    const stop = await cli(a, ['stop', '-p', 'job']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /Future scheduling was disabled for job\./);
    const count = runsIn(a, 'runs.txt').length;
    // Proving an absence: the other job, on the same schedule, marks the ticks that went by.
    const ticks = runsIn(a, 'ticks.txt').length;
    await waitFor(() => runsIn(a, 'ticks.txt').length >= ticks + 3, 6000, 'three more ticks of the other job');
    assert.equal(runsIn(a, 'runs.txt').length, count, 'no run while disabled');
    const start = await cli(a, ['start', '-p', 'job']);
    assert.equal(start.code, 0, start.stderr);
    await waitFor(() => runsIn(a, 'runs.txt').length > count, 4000, 'runs to resume');
    const restart = await cli(a, ['restart', '-p', 'job']);
    assert.match(restart.stdout, /Reloaded schedule for job\./);
    await stopAll(a);
  });

  it('refuses an invalid schedule at start and at reload, naming the Procfile line', async () => {
    const a = app({ Procfile: 'web: sleep 300\njob__AT__*/2 * * * **: echo hi\n' });
    for (const command of [['check'], ['start']]) {
      const refused = await cli(a, command);
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, /Procfile:2: the schedule '\*\/2 \* \* \* \*\*' of process 'job' is not a valid cron schedule/);
    }
    assert.deepEqual(await a.leftovers(), [], 'nothing was started');
    a.write({ Procfile: 'web: sleep 300\njob__AT__*/1 * * * * *: sh -c "echo ran >> runs.txt"\n' });
    await startDaemon(a);
    await waitFor(() => runsIn(a, 'runs.txt').length >= 1, 4000, 'the job to run');
    a.write({ Procfile: 'web: sleep 300\njob__AT__every 5 minutes: sh -c "echo ran >> runs.txt"\n' });
    const reload = await cli(a, ['reload']);
    assert.notEqual(reload.code, 0);
    assert.match(reload.stderr, /Procfile:2: .* 3 fields, not 5 or 6/);
    const count = runsIn(a, 'runs.txt').length;
    await waitFor(() => runsIn(a, 'runs.txt').length > count, 4000, 'the loaded schedule to keep running');
    await stopAll(a);
  });
});
