// Crash loops on a pretend operating system and a virtual clock: the restart decision as a
// table, then backoff timing, its reset and its cancellation, restart policies, exit records
// and hooks on the fake supervisor. Nothing is spawned and nothing waits on real time.
import { buildStatus, supervisorView } from '../../src/control/status-reply.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeExit, describeExits } from '../../src/supervisor/exit-description.js';
import type { Instance } from '../../src/supervisor/instance.js';
import { backoffMs, decideRestart, type RestartHistory, type RestartLimits, type RunEnd } from '../../src/supervisor/respawn-policy.js';
import { fakeSupervisors, type FakeSupervisor } from '../helpers/fake-supervisor.js';

const harness = fakeSupervisors();

const only = (h: FakeSupervisor, name = 'web'): Instance => {
  const all = h.supervisor.table.get(name)?.instances ?? [];
  assert.equal(all.length, 1, `one instance of ${name}`);
  return all[0]!;
};

/** A function, so the type checker does not keep a narrowing of the state across awaits. */
const stateOf = (instance: Instance): string => instance.state.name;

const NOW = 1_000_000_000;
const LIMITS: RestartLimits = { restart: 'always', maxRespawns: 5, respawnWindow: 3600, minUptime: 5, maxBackoff: 60 };
const crash = (ranForMs: number, status: number | null = 1, signal: NodeJS.Signals | null = null): RunEnd => ({ status, signal, ranForMs });
const fresh: RestartHistory = { respawns: 0, quickFailures: 0 };

describe('decideRestart', () => {
  const cases: [string, RunEnd, RestartHistory, Partial<RestartLimits>, string, number?, number?][] = [
    // what, how it ended, history, limits, action, delay, quick failures after
    ['a first quick failure is respawned at once', crash(100), fresh, {}, 'respawn', 0, 1],
    ['the second quick failure in a row waits 1 s', crash(100), { respawns: 1, lastRespawnAt: NOW / 1000, quickFailures: 1 }, {}, 'respawn', 1000, 2],
    ['the third waits 2 s', crash(100), { respawns: 2, lastRespawnAt: NOW / 1000, quickFailures: 2 }, {}, 'respawn', 2000, 3],
    ['the sixth waits 16 s', crash(100), { respawns: 2, lastRespawnAt: NOW / 1000, quickFailures: 5 }, {}, 'respawn', 16_000, 6],
    ['the wait stops growing at max_backoff', crash(100), { respawns: 2, lastRespawnAt: NOW / 1000, quickFailures: 20 }, { maxBackoff: 30 }, 'respawn', 30_000, 21],
    ['a run longer than min_uptime resets the count', crash(5000), { respawns: 2, lastRespawnAt: NOW / 1000, quickFailures: 7 }, {}, 'respawn', 0, 0],
    ['min_uptime 0 never backs off', crash(0), { respawns: 2, lastRespawnAt: NOW / 1000, quickFailures: 7 }, { minUptime: 0 }, 'respawn', 0, 0],
    ['max_respawns in the window still gives up', crash(100), { respawns: 5, lastRespawnAt: NOW / 1000, quickFailures: 5 }, {}, 'give-up'],
    ['always respawns an exit with status 0', crash(10_000, 0), fresh, {}, 'respawn', 0, 0],
    ['on-failure completes an exit with status 0', crash(100, 0), fresh, { restart: 'on-failure' }, 'complete'],
    ['on-failure respawns a non-zero exit', crash(100, 2), fresh, { restart: 'on-failure' }, 'respawn', 0, 1],
    ['on-failure respawns a death by signal', crash(100, null, 'SIGSEGV'), fresh, { restart: 'on-failure' }, 'respawn', 0, 1],
    ['never completes even a crash', crash(100, 1), fresh, { restart: 'never' }, 'complete'],
    ['never completes before max_respawns is looked at', crash(100, 1), { respawns: 5, lastRespawnAt: NOW / 1000, quickFailures: 5 }, { restart: 'never' }, 'complete'],
  ];
  for (const [what, end, history, limits, action, delay, quick] of cases) {
    it(what, () => {
      const decision = decideRestart(end, history, NOW, { ...LIMITS, ...limits }, 0.5);
      assert.equal(decision.action, action);
      if (decision.action === 'respawn') {
        assert.equal(decision.delayMs, delay);
        assert.equal(decision.history.quickFailures, quick);
        assert.equal(decision.history.lastRespawnAt, NOW / 1000);
      }
    });
  }

  it('varies a backoff by at most 10 % either way', () => {
    assert.equal(backoffMs(4, 60, 0), 3600);
    assert.equal(backoffMs(4, 60, 0.999_999), 4400);
    assert.equal(backoffMs(1, 60, 0), 0, 'the first is never delayed');
  });
});

describe('exit descriptions', () => {
  it('says the status or the signal, and counts repeats', () => {
    assert.equal(describeExit({ status: 3, signal: null }), 'exit status 3');
    assert.equal(describeExit({ status: null, signal: 'SIGSEGV' }), 'killed by SIGSEGV');
    const one = { status: 1, signal: null };
    assert.equal(describeExits([one, one, one, { status: null, signal: 'SIGKILL' }]), 'exit status 1 (3 times), killed by SIGKILL');
  });
});

/** Crashes the instance's current process `after` ms after it started, and lets the supervisor react. */
async function crashAfter(h: FakeSupervisor, web: Instance, afterMs: number, status = 1): Promise<void> {
  await h.clock.advance(afterMs);
  const pid = web.pid;
  assert.ok(pid !== undefined, `${web.description} has a process to crash (state ${stateOf(web)})`);
  h.ops.exit(pid, status);
  await h.clock.advance(0);
}

describe('backoff', () => {
  it('respawns the first quick failure at once, then waits 1 s, 2 s, 4 s, and status says when', async () => {
    const h = harness([{ name: 'web', maxRespawns: 100 }]);
    await h.supervisor.start();
    const web = only(h);
    await crashAfter(h, web, 100);
    assert.equal(stateOf(web), 'running', 'the first is respawned in the same turn');
    for (const waitMs of [1000, 2000, 4000]) {
      await crashAfter(h, web, 100);
      assert.equal(stateOf(web), 'backoff');
      assert.equal(web.status(), 'Backoff');
      const json = supervisorView(h.supervisor, web);
      assert.equal(json.status, 'backoff');
      assert.equal(json.next_attempt_at, Math.ceil((h.clock.now() + waitMs) / 1000));
      assert.equal(json.last_exit_status, 1);
      const spawned = h.ops.spawned.length;
      await h.clock.advance(waitMs - 1);
      assert.equal(h.ops.spawned.length, spawned, `nothing started before ${waitMs} ms`);
      await h.clock.advance(1);
      assert.equal(h.ops.spawned.length, spawned + 1, `started after ${waitMs} ms`);
      assert.equal(stateOf(web), 'running');
    }
    assert.ok(h.lines.includes('web.1: Process has stopped (exit status 1), 2 times in a row within 5s of starting; respawning in 1.0s'));
  });

  it('counts afresh after a run longer than min_uptime', async () => {
    const h = harness([{ name: 'web', maxRespawns: 100 }]);
    await h.supervisor.start();
    const web = only(h);
    await crashAfter(h, web, 100);
    await crashAfter(h, web, 100);
    await h.clock.advance(1000);
    assert.equal(web.quickFailures, 2);
    await crashAfter(h, web, 6000);
    assert.equal(stateOf(web), 'running', 'a long run is respawned at once');
    assert.equal(web.quickFailures, 0);
    await crashAfter(h, web, 100);
    assert.equal(stateOf(web), 'running', 'the next quick failure is a first one again');
  });

  it('is cancelled by a stop: nothing starts when the wait ends', async () => {
    const h = harness([{ name: 'web' }]);
    await h.supervisor.start();
    const web = only(h);
    await crashAfter(h, web, 100);
    await crashAfter(h, web, 100);
    assert.equal(stateOf(web), 'backoff');
    const spawned = h.ops.spawned.length;
    await h.supervisor.lifecycle.stop(web);
    assert.equal(stateOf(web), 'stopped');
    await h.clock.advance(120_000);
    assert.equal(h.ops.spawned.length, spawned, 'no respawn after the stop');
    assert.equal(h.supervisor.table.get('web')?.instances.length, 0);
    assert.ok(h.lines.includes('web.1: Waiting respawn cancelled'));
  });

  it('still ends in failed after max_respawns, naming how the runs ended', async () => {
    const h = harness([{ name: 'web', maxRespawns: 2, respawnWindow: 3600 }]);
    await h.supervisor.start();
    const web = only(h);
    await crashAfter(h, web, 100, 3);
    await crashAfter(h, web, 100, 3);
    await h.clock.advance(1000);
    await crashAfter(h, web, 100, 4);
    assert.equal(stateOf(web), 'failed');
    const issue = h.supervisor.issues.list()[0]?.message ?? '';
    assert.match(issue, /the last runs ended: exit status 3 \(2 times\), exit status 4/);
    assert.ok(
      h.lines.some((line) => line.startsWith('web.1: Process has stopped (exit status 4); it has been respawned 2 times and keeps dying.')),
      'the log says how the last run ended',
    );
  });
});

describe('restart policies', () => {
  it('on-failure: an exit with status 0 completes; status shows it, without an issue, and no top-up runs it again', async () => {
    const h = harness([{ name: 'web', restart: 'on-failure' }]);
    await h.supervisor.start();
    const web = only(h);
    await crashAfter(h, web, 100, 0);
    assert.equal(stateOf(web), 'completed');
    assert.equal(supervisorView(h.supervisor, web).status, 'completed');
    assert.equal(supervisorView(h.supervisor, web).last_exit_status, 0);
    assert.deepEqual(buildStatus(h.supervisor).messages, []);
    assert.ok(h.lines.includes('web.1: Process has stopped (exit status 0); not restarted (restart: on-failure)'));
    await h.supervisor.checkConcurrency({}, (i) => i.description);
    await h.clock.advance(10_000);
    assert.equal(h.ops.spawned.length, 1, 'neither check_concurrency nor the periodic pass starts it');
    const started = await h.supervisor.startProcesses({ processNames: ['web'] }, (i) => i.description);
    assert.equal(started.started.length, 1, '`start -p web` runs it again');
    assert.equal(stateOf(only(h)), 'running');
  });

  it('never: a crash completes too, and `restart -p` runs it again', async () => {
    const h = harness([{ name: 'web', restart: 'never' }]);
    await h.supervisor.start();
    await crashAfter(h, only(h), 100, 1);
    assert.equal(stateOf(only(h)), 'completed');
    await h.supervisor.restart({ processNames: ['web'] }, (i) => i.description);
    assert.equal(stateOf(only(h)), 'running');
    assert.equal(h.ops.spawned.length, 2);
  });

  it('a completed instance can be stopped', async () => {
    const h = harness([{ name: 'web', restart: 'never' }]);
    await h.supervisor.start();
    await crashAfter(h, only(h), 100, 0);
    h.supervisor.stop({}, (i) => i.description);
    await h.clock.advance(0);
    assert.equal(h.supervisor.table.get('web')?.instances.length, 0);
  });
});

describe('hooks', () => {
  const hooksSpawned = (h: FakeSupervisor) => h.ops.spawned.filter((s) => s.shell === true);
  /** Ends every hook process still running, as if each finished. */
  const finishHooks = async (h: FakeSupervisor): Promise<void> => {
    for (const p of h.ops.live().filter((p) => p.command.startsWith('notify'))) h.ops.exit(p.pid, 0);
    await h.clock.advance(0);
  };

  it('run on_crash through the shell with the instance, its exit and its respawns; on_failure when it is given up', async () => {
    const h = harness([{ name: 'web', maxRespawns: 1, onCrash: 'notify crash', onFailure: 'notify failure' }]);
    await h.supervisor.start();
    const web = only(h);
    await crashAfter(h, web, 100, 7);
    assert.equal(hooksSpawned(h).length, 1);
    const crashHook = hooksSpawned(h)[0]!;
    assert.equal(crashHook.command, 'notify crash');
    assert.equal(crashHook.cwd, '/srv/app');
    assert.equal(crashHook.env.PROC_NAME, 'web.1');
    assert.equal(crashHook.env.EXIT_STATUS, '7');
    assert.equal(crashHook.env.SIGNAL, undefined);
    assert.equal(crashHook.env.RESPAWNS, '0');
    assert.equal(crashHook.env.APP_ROOT, '/srv/app');
    await finishHooks(h);
    h.ops.exit(web.pid!, null, 'SIGSEGV');
    await h.clock.advance(0);
    assert.equal(stateOf(web), 'failed');
    // on_failure waits for this crash's on_crash, then runs.
    await finishHooks(h);
    assert.deepEqual(
      hooksSpawned(h).map((s) => [s.command, s.env.SIGNAL, s.env.EXIT_STATUS, s.env.RESPAWNS]),
      [
        ['notify crash', undefined, '7', '0'],
        ['notify crash', 'SIGSEGV', undefined, '1'],
        ['notify failure', 'SIGSEGV', undefined, '1'],
      ],
    );
  });

  it('run one at a time per instance: only the latest waiting hook is kept, and the log names the one dropped', async () => {
    const h = harness([{ name: 'web', maxRespawns: 100, minUptime: 0, onCrash: 'notify crash' }]);
    await h.supervisor.start();
    const web = only(h);
    for (let n = 0; n < 3; n += 1) await crashAfter(h, web, 100, 10 + n);
    assert.equal(hooksSpawned(h).length, 1, 'one hook runs');
    assert.ok(h.lines.includes('web.1: on_crash hook not run: the previous hook of this instance is still running and a newer one waits'));
    await finishHooks(h);
    assert.deepEqual(
      hooksSpawned(h).map((s) => s.env.EXIT_STATUS),
      ['10', '12'],
      'the third crash\'s hook runs after the first, the second\'s was dropped',
    );
  });

  it('kill a hook still running after 30 s, with its whole group, without holding up the respawn', async () => {
    const h = harness([{ name: 'web', onCrash: 'sleep 3600' }]);
    await h.supervisor.start();
    const web = only(h);
    await crashAfter(h, web, 100);
    assert.equal(stateOf(web), 'running', 'respawned while the hook runs');
    const hook = h.ops.live().find((p) => p.command === 'sleep 3600');
    assert.ok(hook, 'the hook runs');
    await h.clock.advance(29_000);
    assert.equal(hook.alive, true);
    await h.clock.advance(1_000);
    assert.deepEqual(h.ops.signals.at(-1), { to: 'group', id: hook.pgid, signal: 'SIGKILL' });
    assert.equal(hook.alive, false);
    assert.equal(h.supervisor.lifecycle.hooks.running, 0);
  });
});
