// The supervisor's rules on a pretend operating system and a virtual clock: respawn and the
// respawn window, stop escalation, restart modes, quantity, pid-file following and adoption.
// Nothing is spawned and nothing waits on real time, so each test takes milliseconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeRecord } from '../../src/runtime/adoption-record.js';
import type { Instance } from '../../src/supervisor/instance.js';
import { fakeSupervisors, type FakeSupervisor } from '../helpers/fake-supervisor.js';

const harness = fakeSupervisors();

const instancesOf = (h: FakeSupervisor, name = 'web'): Instance[] => h.supervisor.table.get(name)?.instances ?? [];
const only = (h: FakeSupervisor, name = 'web'): Instance => {
  const all = instancesOf(h, name);
  assert.equal(all.length, 1, `one instance of ${name}`);
  return all[0]!;
};

describe('respawn', () => {
  it('starts each process at its quantity and respawns a crash at once', async () => {
    const h = harness([{ name: 'web', quantity: 2 }]);
    await h.supervisor.start();
    assert.deepEqual(
      instancesOf(h).map((i) => [i.description, i.state.name]),
      [
        ['web.1', 'running'],
        ['web.2', 'running'],
      ],
    );
    const first = instancesOf(h)[0]!;
    const crashed = first.pid!;
    h.ops.exit(crashed, 3);
    await h.clock.advance(0);
    assert.equal(first.state.name, 'running');
    assert.notEqual(first.pid, crashed, 'a new process');
    assert.equal(first.respawns, 1);
    assert.deepEqual(first.lastExit && [first.lastExit.status, first.lastExit.signal], [3, null]);
    assert.equal(h.ops.pidFiles.get(h.pidFile('web.1')), first.pid, 'the pid file names the new process');
  });

  it('gives up after max_respawns within respawn_window, and says so in status', async () => {
    const h = harness([{ name: 'web', maxRespawns: 2, respawnWindow: 60 }]);
    await h.supervisor.start();
    const web = only(h);
    for (let crash = 1; crash <= 3; crash += 1) {
      h.ops.exit(web.pid!, 1);
      await h.clock.advance(1000);
    }
    assert.equal(web.state.name, 'failed');
    assert.equal(web.status(), 'Failed');
    assert.equal(h.ops.spawned.length, 3, 'the first run and two respawns');
    assert.match(h.supervisor.issues.list()[0]?.message ?? '', /Process 'web' failed repeatedly/);
    assert.equal(h.ops.pidFiles.has(h.pidFile('web.1')), false);
  });

  it('counts respawns afresh once a whole window passed quietly', async () => {
    const h = harness([{ name: 'web', maxRespawns: 2, respawnWindow: 60 }]);
    await h.supervisor.start();
    const web = only(h);
    h.ops.exit(web.pid!, 1);
    await h.clock.advance(1000);
    h.ops.exit(web.pid!, 1);
    await h.clock.advance(61_000);
    h.ops.exit(web.pid!, 1);
    await h.clock.advance(0);
    assert.equal(web.state.name, 'running', 'the third crash is the first of a new window');
    assert.equal(web.respawns, 1);
  });
});

describe('stop', () => {
  it('sends the term signal to the whole group, and SIGKILL to what is left after stop_timeout', async () => {
    const h = harness([{ name: 'web', stopTimeout: 10, termSignal: 'SIGINT' }], (ops) => {
      ops.onSpawn = (p) => {
        // A worker in the group that ignores the term signal.
        const worker = ops.addProcess({ ppid: p.pid, pgid: p.pgid });
        worker.ignoresTerm = true;
      };
    });
    await h.supervisor.start();
    const web = only(h);
    const pgid = web.pgid!;
    let stopped = false;
    void h.supervisor.lifecycle.stop(web).then(() => (stopped = true));
    await h.clock.advance(9_900);
    assert.deepEqual(h.ops.signals, [{ to: 'group', id: pgid, signal: 'SIGINT' }]);
    assert.equal(web.state.name, 'stopping');
    assert.equal(stopped, false);
    await h.clock.advance(200);
    assert.deepEqual(h.ops.signals.at(-1), { to: 'group', id: pgid, signal: 'SIGKILL' });
    assert.equal(stopped, true);
    assert.equal(web.state.name, 'stopped');
    assert.equal(web.forced, true);
    assert.ok(h.lines.includes('web.1: Stopped (forced with KILL)'));
    assert.equal(instancesOf(h).length, 0, 'a stopped instance leaves the table');
  });

  it('is shared by everyone who asks, and cancels a respawn that was waiting', async () => {
    const h = harness([{ name: 'web' }]);
    await h.supervisor.start();
    const web = only(h);
    h.ops.exit(web.pid!, 1);
    await Promise.resolve();
    await Promise.resolve();
    // The crash was seen; its respawn waits for the next turn of the loop.
    const first = h.supervisor.lifecycle.stop(web);
    assert.equal(h.supervisor.lifecycle.stop(web), first);
    await h.clock.advance(100);
    await first;
    assert.equal(h.ops.spawned.length, 1, 'no respawn after the stop');
  });
});

describe('restart modes', () => {
  it('term-start stops the old instance first and gives the new one its port', async () => {
    const h = harness([{ name: 'web', restartMode: 'term-start', allocatePortFrom: 46000 }]);
    await h.supervisor.start();
    const old = only(h);
    const oldPid = old.pid!;
    const port = old.port;
    await h.supervisor.restart({}, (i) => i.description);
    const replacement = only(h);
    assert.notEqual(replacement, old);
    assert.equal(replacement.port, port);
    const newPid = replacement.pid!;
    assert.ok(h.ops.events.indexOf(`exit ${oldPid}`) < h.ops.events.indexOf(`spawn ${newPid}`), h.ops.events.join(', '));
  });

  it('start-term starts the new instance before the old one is told to stop', async () => {
    const h = harness([{ name: 'web', restartMode: 'start-term' }]);
    await h.supervisor.start();
    const oldPid = only(h).pid!;
    await h.supervisor.restart({}, (i) => i.description);
    await h.clock.advance(100);
    const newPid = only(h).pid!;
    assert.ok(h.ops.events.indexOf(`spawn ${newPid}`) < h.ops.events.indexOf(`-${oldPid} SIGTERM`), h.ops.events.join(', '));
  });

  it('usr1 and usr2 signal the main process only, not its group', async () => {
    for (const mode of ['usr1', 'usr2'] as const) {
      const h = harness([{ name: 'web', restartMode: mode }]);
      await h.supervisor.start();
      const web = only(h);
      await h.supervisor.restart({}, (i) => i.description);
      assert.deepEqual(h.ops.signals, [{ to: 'pid', id: web.pid, signal: mode === 'usr1' ? 'SIGUSR1' : 'SIGUSR2' }]);
      assert.equal(h.ops.spawned.length, 1, 'nothing new is started');
      assert.equal(only(h), web);
    }
  });
});

describe('quantity', () => {
  it('check_concurrency stops the oldest instances beyond the quantity and tops up the rest', async () => {
    const h = harness([
      { name: 'web', quantity: 3 },
      { name: 'worker', quantity: 1 },
    ]);
    await h.supervisor.start();
    h.config = { ...h.config, processes: h.config.processes.map((p) => (p.name === 'web' ? { ...p, quantity: 1 } : { ...p, quantity: 2 })) };
    const reply = await h.supervisor.checkConcurrency({}, (i) => i.description);
    assert.deepEqual(
      reply.stopped,
      ['web.1', 'web.2'],
    );
    assert.deepEqual(
      reply.started,
      ['worker.2'],
    );
    await h.clock.advance(100);
    assert.deepEqual(
      instancesOf(h).map((i) => i.description),
      ['web.3'],
    );
  });
});

describe('PID_FILE', () => {
  it('follows a successor in the instance group when the main process exits', async () => {
    const h = harness([{ name: 'web' }]);
    await h.supervisor.start();
    const web = only(h);
    const main = web.pid!;
    const successor = h.ops.addProcess({ ppid: main, pgid: web.pgid! });
    h.ops.writePidFile(h.pidFile('web.1'), successor.pid);
    h.ops.exit(main, 0);
    await h.clock.advance(0);
    assert.equal(web.pid, successor.pid);
    assert.equal(web.state.name, 'running');
    assert.equal(h.ops.spawned.length, 1, 'followed, not respawned');
    assert.ok(h.lines.includes(`web.1: PID file changed, Updated pid to ${successor.pid}`));
  });

  it('never follows a pid outside the instance, and writes the real pid back', async () => {
    const h = harness([{ name: 'web' }]);
    await h.supervisor.start();
    const web = only(h);
    const stranger = h.ops.addProcess({ command: 'sshd' });
    h.ops.writePidFile(h.pidFile('web.1'), stranger.pid);
    await h.clock.advance(3000);
    assert.equal(h.ops.pidFiles.get(h.pidFile('web.1')), web.pid);
    assert.ok(h.lines.includes(`web.1: PID file names PID ${stranger.pid}, which is not part of web.1; ignored`));
    void h.supervisor.lifecycle.stop(web);
    await h.clock.advance(100);
    assert.equal(h.ops.signals.some((s) => s.id === stranger.pid), false, 'the stranger was never signalled');
  });
});

describe('adoption', () => {
  it('takes over what a dead supervisor recorded, when the pid file and start time still match', async () => {
    const h = harness([{ name: 'web', quantity: 2 }], (ops) => {
      ops.addProcess({ command: 'filler' });
    });
    const survivor = h.ops.addProcess({ command: 'web' });
    const recycled = h.ops.addProcess({ command: 'web' });
    writeRecord(h.config.pidRoot, {
      instances: [
        { process: 'web', id: 1, pid: survivor.pid, pgid: survivor.pid, procStartTime: survivor.startTime, respawns: 2, port: 5000 },
        // Its pid is alive but started at another time: a recycled pid, never adopted.
        { process: 'web', id: 2, pid: recycled.pid, pgid: recycled.pid, procStartTime: recycled.startTime + 99, respawns: 0 },
      ],
      stoppingGroups: [],
    });
    h.ops.writePidFile(h.pidFile('web.1'), survivor.pid);
    h.ops.writePidFile(h.pidFile('web.2'), recycled.pid);
    await h.supervisor.start();
    const [adopted, topUp] = instancesOf(h);
    assert.equal(adopted?.description, 'web.1');
    assert.equal(adopted?.pid, survivor.pid);
    assert.equal(adopted?.isAdopted, true);
    assert.equal(adopted?.respawns, 2);
    assert.equal(adopted?.port, 5000);
    assert.equal(topUp?.description, 'web.2');
    assert.notEqual(topUp?.pid, recycled.pid);
    assert.equal(h.ops.spawned.length, 1, 'only the missing instance is started');
    // An adopted process is not our child: its death is seen by looking.
    h.ops.exit(survivor.pid, null, 'SIGKILL');
    await h.clock.advance(500);
    assert.equal(adopted?.state.name, 'running');
    assert.notEqual(adopted?.pid, survivor.pid, 'respawned after the adopted process died');
  });
});
