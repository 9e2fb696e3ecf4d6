// Readiness, rolling restarts, depends_on, release_command and restart_on_deploy on a pretend
// operating system with virtual time: the order of spawns and term signals is the rule under test.
import { instanceJson } from '../../src/control/status-reply.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProcessDefinition } from '../../src/config/types.js';
import type { Instance } from '../../src/supervisor/instance.js';
import type { CommandRunner } from '../../src/supervisor/run-command.js';
import { fakeSupervisors, type FakeSupervisor } from '../helpers/fake-supervisor.js';

const harness = fakeSupervisors();

const checked: Partial<ProcessDefinition> = { ready: { kind: 'command', command: 'true' }, readyTimeout: 5 };
const instancesOf = (h: FakeSupervisor, name = 'web'): Instance[] => h.supervisor.table.get(name)?.instances ?? [];
const states = (h: FakeSupervisor, name = 'web'): string[] => instancesOf(h, name).map((i) => `${i.description} ${i.state.name}`);
/** Spawns and term signals only, with pids named by the instance they belong to. */
function spawnsAndTerms(h: FakeSupervisor, from: number): string[] {
  const names = new Map<number, string>();
  for (const [pid, p] of h.ops.processes) names.set(pid, p.env.PROC_NAME ?? String(pid));
  return h.ops.events
    .slice(from)
    .filter((e) => e.startsWith('spawn') || e.endsWith('SIGTERM'))
    .map((e) => (e.startsWith('spawn') ? `start ${names.get(Number(e.split(' ')[1]))}` : `term ${names.get(Math.abs(Number(e.split(' ')[0])))}`));
}

/** Runs a request while virtual time passes in 250 ms steps, until it settles. */
async function drive<T>(h: FakeSupervisor, work: Promise<T>, maxMs = 60_000): Promise<T> {
  let done = false;
  const result = work.finally(() => (done = true));
  for (let t = 0; t < maxMs && !done; t += 250) await h.clock.advance(250);
  assert.ok(done, 'the request settled');
  return result;
}

describe('readiness', () => {
  it('keeps an instance starting until its check passes, then records when it became ready', async () => {
    const h = harness([{ name: 'web', ...checked }]);
    await h.supervisor.start();
    const web = instancesOf(h)[0]!;
    assert.equal(web.state.name, 'starting');
    assert.equal(web.status(), 'Starting');
    assert.equal(instanceJson(web, h.supervisor.definitionOf(web), false).status, 'starting');
    await h.clock.advance(1000);
    assert.equal(web.state.name, 'starting');
    h.probes.ready.add('web.1');
    await h.clock.advance(250);
    assert.equal(web.state.name, 'running');
    const json = instanceJson(web, h.supervisor.definitionOf(web), false);
    assert.equal(json.status, 'running');
    assert.equal(json.ready_seconds, 1.3);
  });

  it('stops an instance that is not ready within ready_timeout and reports it', async () => {
    const h = harness([{ name: 'web', ...checked }]);
    await h.supervisor.start();
    const web = instancesOf(h)[0]!;
    const pid = web.pid!;
    await h.clock.advance(4900);
    assert.equal(web.state.name, 'starting');
    await h.clock.advance(200);
    assert.deepEqual(h.ops.signals.filter((s) => s.id === pid).map((s) => s.signal), ['SIGTERM']);
    const issue = h.supervisor.issues.list().find((i) => i.type === 'instance_not_ready');
    assert.match(issue?.message ?? '', /web\.1 was not ready within 5s \(ready: command true\); it was stopped/);
  });

  it('is ready at once without a ready check, as in Procodile', async () => {
    const h = harness([{ name: 'web' }]);
    await h.supervisor.start();
    assert.deepEqual(states(h), ['web.1 running']);
  });
});

describe('rolling restarts', () => {
  it('start-term: starts one new instance, waits until it is ready, then stops one old one', async () => {
    const h = harness([{ name: 'web', quantity: 2, restartMode: 'start-term', ...checked }]);
    h.probes.all = true;
    await drive(h, h.supervisor.start());
    await h.clock.advance(250);
    assert.deepEqual(states(h), ['web.1 running', 'web.2 running']);
    const from = h.ops.events.length;
    const reply = await drive(h, h.supervisor.restart({}, (i) => i.description));
    assert.deepEqual(reply.errors, []);
    assert.deepEqual(spawnsAndTerms(h, from), ['start web.3', 'term web.1', 'start web.4', 'term web.2']);
  });

  it('start-term with max_surge 2 brings up two new instances before stopping any', async () => {
    const h = harness([{ name: 'web', quantity: 2, restartMode: 'start-term', maxSurge: 2, ...checked }]);
    h.probes.all = true;
    await drive(h, h.supervisor.start());
    const from = h.ops.events.length;
    await drive(h, h.supervisor.restart({}, (i) => i.description));
    assert.deepEqual(spawnsAndTerms(h, from), ['start web.3', 'start web.4', 'term web.1', 'term web.2']);
  });

  it('term-start: replaces one instance at a time, so quantity - 1 keep serving', async () => {
    const h = harness([{ name: 'web', quantity: 2, ...checked }]);
    h.probes.all = true;
    await drive(h, h.supervisor.start());
    const from = h.ops.events.length;
    await drive(h, h.supervisor.restart({}, (i) => i.description));
    assert.deepEqual(spawnsAndTerms(h, from), ['term web.1', 'start web.3', 'term web.2', 'start web.4']);
  });

  it('keeps the old instances when a new one is never ready, and names it in the reply and the issues', async () => {
    const h = harness([{ name: 'web', quantity: 2, restartMode: 'start-term', ...checked }]);
    h.probes.ready.add('web.1').add('web.2');
    await drive(h, h.supervisor.start());
    const from = h.ops.events.length;
    const reply = await drive(h, h.supervisor.restart({}, (i) => i.description));
    assert.deepEqual(spawnsAndTerms(h, from), ['start web.3', 'term web.3']);
    assert.equal(reply.errors?.length, 2);
    assert.match(reply.errors?.[0] ?? '', /^web\.3 was not ready within 5s .*; web\.1 was kept running\.$/);
    assert.match(reply.errors?.[1] ?? '', /web\.2 was not restarted/);
    await h.clock.advance(1000);
    assert.deepEqual(states(h), ['web.1 running', 'web.2 running']);
    assert.ok(h.supervisor.issues.list().some((i) => i.type === 'instance_not_ready' && i.process_name === 'web'));
  });

  it('counts a new instance that crashes before it is ready as a failed release', async () => {
    const h = harness([{ name: 'web', restartMode: 'start-term', ...checked }]);
    h.probes.ready.add('web.1');
    await drive(h, h.supervisor.start());
    h.ops.onSpawn = (p) => {
      if (p.env.PROC_NAME === 'web.2') queueMicrotask(() => h.ops.exit(p.pid, 1));
    };
    const reply = await drive(h, h.supervisor.restart({}, (i) => i.description));
    assert.match(reply.errors?.[0] ?? '', /^web\.2 exited \(status 1\) before it was ready; web\.1 was kept running\.$/);
    await h.clock.advance(1000);
    assert.deepEqual(states(h), ['web.1 running']);
  });
});

describe('depends_on, release_command and restart_on_deploy', () => {
  it('starts a process once its dependencies are ready, and restarts dependencies first', async () => {
    // db comes first in the Procfile, so only depends_on can put web's stop before db's.
    const h = harness([
      { name: 'db', ...checked },
      { name: 'web', dependsOn: ['db'] },
    ]);
    const starting = h.supervisor.start();
    await h.clock.advance(1000);
    assert.deepEqual(states(h, 'db'), ['db.1 starting']);
    assert.deepEqual(states(h, 'web'), [], 'web waits for db');
    h.probes.ready.add('db.1');
    await drive(h, starting);
    assert.deepEqual(states(h, 'web'), ['web.1 running']);
    h.probes.all = true;
    const from = h.ops.events.length;
    await drive(h, h.supervisor.restart({}, (i) => i.description));
    assert.deepEqual(spawnsAndTerms(h, from), ['term db.1', 'start db.2', 'term web.1', 'start web.2']);
    h.ops.onSpawn = undefined;
    const stopFrom = h.ops.events.length;
    await drive(h, h.supervisor.stopAll());
    assert.deepEqual(spawnsAndTerms(h, stopFrom), ['term web.2', 'term db.2'], 'web stops before the db it depends on');
  });

  it('restarts nothing when release_command fails, and says why', async () => {
    const calls: string[] = [];
    const run: CommandRunner = (spec) => {
      calls.push(spec.command);
      return Promise.resolve({ status: calls.length === 1 ? 0 : 3, output: 'migration 42 failed', timedOut: false });
    };
    const h = harness([{ name: 'web' }], undefined, { runCommand: run, app: { releaseCommand: 'bin/migrate' } });
    await h.supervisor.start();
    const from = h.ops.events.length;
    const reply = await h.supervisor.restart({}, (i) => i.description);
    assert.deepEqual(calls, ['bin/migrate', 'bin/migrate']);
    assert.deepEqual(h.ops.events.slice(from), []);
    assert.deepEqual(reply.changes, []);
    assert.match(reply.errors?.[0] ?? '', /release_command `bin\/migrate` exited with status 3; its output:$/);
    assert.deepEqual(reply.releaseOutput, ['migration 42 failed']);
  });

  it('leaves restart_on_deploy: false out of a bare restart, and restarts it when named', async () => {
    const h = harness([{ name: 'web' }, { name: 'redis', restartOnDeploy: false }]);
    await h.supervisor.start();
    const redis = instancesOf(h, 'redis')[0]!.pid;
    await drive(h, h.supervisor.restart({}, (i) => i.description));
    assert.equal(instancesOf(h, 'redis')[0]!.pid, redis);
    await drive(h, h.supervisor.restart({ processNames: ['redis'] }, (i) => i.description));
    assert.notEqual(instancesOf(h, 'redis')[0]!.pid, redis);
  });
});
