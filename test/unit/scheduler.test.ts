// Scheduled processes: ticks, skipped overlaps, invalid schedules, enabling and disabling,
// in virtual time: each test moves a fake clock and never waits on the real one.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ProcessDefinition } from '../../src/config/types.js';
import { silentLogger } from '../../src/logging/logger.js';
import { IssueTracker } from '../../src/supervisor/issues.js';
import { Scheduler } from '../../src/supervisor/scheduler.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { definition } from '../helpers/fixtures.js';

let schedulers: Scheduler[] = [];
afterEach(() => {
  for (const s of schedulers) s.close();
  schedulers = [];
});

function setup(jobs: ProcessDefinition[], runJob: (d: ProcessDefinition) => Promise<boolean> = () => Promise.resolve(true), random?: () => number) {
  const issues = new IssueTracker();
  const clock = new FakeClock();
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
    clock,
    random,
  });
  schedulers.push(scheduler);
  return { scheduler, issues, runs, clock };
}

const job = (name: string, schedule: string): ProcessDefinition => definition({ name, schedule });

describe('Scheduler', () => {
  it('runs an enabled job on its ticks and records its history', async () => {
    const { scheduler, runs, clock } = setup([job('tick', '* * * * * *')]);
    scheduler.enable(undefined);
    await clock.advance(999);
    assert.equal(runs.length, 0, 'not before the first tick');
    await clock.advance(1);
    assert.equal(runs.length, 1);
    assert.equal(scheduler.isActive('tick'), true);
    const startedAtMs = clock.now();
    await clock.advance(1500);
    scheduler.jobExited('tick', { exitStatus: 0, stoppedByUser: false, startedAtMs });
    const history = scheduler.history('tick');
    assert.equal(history.lastExitStatus, 0);
    assert.equal(history.lastRunDuration, 1.5);
    assert.equal(history.lastStartedAt, Math.floor(startedAtMs / 1000));
    assert.equal(scheduler.isActive('tick'), false);
  });

  it('sleeps until the next tick of a minute schedule, adding the random delay', async () => {
    const { scheduler, runs, clock } = setup([definition({ name: 'report', schedule: '30 * * * *', randomDelay: 10 })], undefined, () => 0.5);
    scheduler.enable(undefined);
    // The clock starts at 00:00:00; the tick is at 00:30:00 and the delay floor(0.5 * 11) = 5 s.
    await clock.advance(30 * 60_000 + 4999);
    assert.equal(runs.length, 0);
    await clock.advance(1);
    assert.deepEqual(runs, ['report']);
  });

  it('never overlaps runs, and reports repeated skips', async () => {
    const { scheduler, issues, runs, clock } = setup([job('slow', '* * * * * *')]);
    scheduler.enable(undefined);
    await clock.advance(3000);
    assert.equal(issues.has('scheduled_run_skipped_repeatedly', 'slow'), false, 'two skips are not yet an issue');
    await clock.advance(1000);
    assert.equal(issues.has('scheduled_run_skipped_repeatedly', 'slow'), true, 'the third skip is');
    assert.equal(runs.length, 1, 'the active run was never doubled');
    scheduler.jobExited('slow', { exitStatus: 0, stoppedByUser: false, startedAtMs: clock.now() });
    await clock.advance(1000);
    assert.equal(runs.length, 2, 'the next tick runs it');
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
    const { scheduler, runs, clock } = setup([job('a', '* * * * * *'), job('b', '* * * * * *')]);
    scheduler.disable(['b']);
    scheduler.enable(['a']);
    await clock.advance(1000);
    assert.deepEqual(runs, ['a']);
    assert.deepEqual(scheduler.disable(['a', 'web']), ['a']);
    scheduler.jobExited('a', { exitStatus: 1, stoppedByUser: true, startedAtMs: clock.now() });
    await clock.advance(10_000);
    assert.deepEqual(runs, ['a'], 'no run after being disabled');
    assert.equal(clock.pendingCount, 0, 'no timer left behind');
  });

  it('reports a failed run and a run that could not start, and unmarks the job (Q10)', async () => {
    const { scheduler, issues, clock } = setup([job('flaky', '* * * * * *')], () => Promise.resolve(false));
    scheduler.enable(undefined);
    await clock.advance(1000);
    assert.notEqual(scheduler.history('flaky').lastStartedAt, undefined);
    assert.equal(scheduler.isActive('flaky'), false, 'a run that never started does not stay active');
    scheduler.jobExited('flaky', { exitStatus: 3, stoppedByUser: false, startedAtMs: clock.now() });
    assert.match(issues.list()[0]?.message ?? '', /Scheduled process 'flaky' failed with exit status 3\. Fix it, then run `procodile restart -p flaky`\./);
  });
});
