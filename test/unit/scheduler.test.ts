// Scheduled processes: ticks, skipped overlaps, invalid schedules, enabling and disabling.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ProcessDefinition } from '../../src/config/types.js';
import { silentLogger } from '../../src/logging/logger.js';
import { IssueTracker } from '../../src/supervisor/issues.js';
import { Scheduler } from '../../src/supervisor/scheduler.js';
import { waitFor } from '../helpers/app.js';
import { definition } from '../helpers/fixtures.js';

let schedulers: Scheduler[] = [];
afterEach(() => {
  for (const s of schedulers) s.close();
  schedulers = [];
});

function setup(jobs: ProcessDefinition[], runJob: (d: ProcessDefinition) => Promise<boolean> = () => Promise.resolve(true)) {
  const issues = new IssueTracker();
  const runs: string[] = [];
  const scheduler = new Scheduler({
    logger: silentLogger,
    issues,
    suggest: (command) => `procodile ${command}`,
    scheduledDefinitions: () => jobs,
    runJob: (d) => {
      runs.push(d.name);
      return runJob(d);
    },
  });
  schedulers.push(scheduler);
  return { scheduler, issues, runs };
}

const job = (name: string, schedule: string): ProcessDefinition => definition({ name, schedule });

describe('Scheduler', () => {
  it('runs an enabled job on its ticks and records its history', async () => {
    const { scheduler, runs } = setup([job('tick', '* * * * * *')]);
    scheduler.enable(undefined);
    await waitFor(() => runs.length >= 1, 2500, 'a run');
    assert.equal(scheduler.isActive('tick'), true);
    scheduler.jobExited('tick', { exitStatus: 0, stoppedByUser: false, startedAtMs: Date.now() - 1500 });
    const history = scheduler.history('tick');
    assert.equal(history.lastExitStatus, 0);
    assert.ok((history.lastRunDuration ?? 0) >= 1.4);
    assert.equal(scheduler.isActive('tick'), false);
  });

  it('never overlaps runs, and reports repeated skips', async () => {
    const { scheduler, issues, runs } = setup([job('slow', '* * * * * *')]);
    scheduler.enable(undefined);
    await waitFor(() => issues.has('scheduled_run_skipped_repeatedly', 'slow'), 6000, 'the skip issue');
    assert.equal(runs.length, 1, 'the active run was never doubled');
    scheduler.jobExited('slow', { exitStatus: 0, stoppedByUser: false, startedAtMs: Date.now() });
    await waitFor(() => runs.length === 2, 2500, 'the next run');
    assert.equal(issues.has('scheduled_run_skipped_repeatedly', 'slow'), false, 'a real run resolves it');
  });

  it('reports an invalid schedule and clears it once fixed', () => {
    const jobs = [job('bad', '*/2 * * * **')];
    const { scheduler, issues } = setup(jobs);
    scheduler.enable(undefined);
    const issue = issues.list()[0];
    assert.equal(issue?.type, 'invalid_schedule');
    assert.match(issue?.message ?? '', /Scheduled process 'bad' has invalid cron schedule '\*\/2 \* \* \* \*\*'/);
    jobs[0] = job('bad', '0 3 * * *');
    scheduler.sync();
    assert.equal(issues.list().length, 0);
  });

  it('only runs the jobs enabled, and stops running disabled ones', async () => {
    const { scheduler, runs } = setup([job('a', '* * * * * *'), job('b', '* * * * * *')]);
    scheduler.disable(['b']);
    scheduler.enable(['a']);
    await waitFor(() => runs.includes('a'), 2500, 'a to run');
    assert.equal(runs.includes('b'), false);
    assert.deepEqual(scheduler.disable(['a', 'web']), ['a']);
    scheduler.jobExited('a', { exitStatus: 1, stoppedByUser: true, startedAtMs: Date.now() });
    const count = runs.length;
    // Proving that nothing happens needs a bounded wait: one full tick of the schedule.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(runs.length, count, 'no run after being disabled');
  });

  it('reports a failed run and a run that could not start, and unmarks the job (Q10)', async () => {
    const { scheduler, issues } = setup([job('flaky', '* * * * * *')], () => Promise.resolve(false));
    scheduler.enable(undefined);
    await waitFor(() => !scheduler.isActive('flaky') && scheduler.history('flaky').lastStartedAt !== undefined, 2500, 'a failed start');
    scheduler.jobExited('flaky', { exitStatus: 3, stoppedByUser: false, startedAtMs: Date.now() });
    assert.match(issues.list()[0]?.message ?? '', /Scheduled process 'flaky' failed with exit status 3\. Fix it, then run `procodile restart -p flaky`\./);
  });
});
