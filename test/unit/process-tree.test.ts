// Unit tests for who belongs to an instance, and for what is never signalled.
import { spawn, type ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ownProcessGroup, signalGroup, signalPid } from '../../src/proc/process-group.js';
import { escapedDescendants, isPartOfInstance, snapshotProcesses, type ProcessFacts } from '../../src/proc/process-tree.js';
import { ownedMembers } from '../../src/runtime/ownership.js';
import { waitFor } from '../helpers/app.js';
import { isAlive, readProcStat } from '../../src/proc/liveness.js';

const started: ChildProcess[] = [];
/** Processes that left their group (setsid): a signal to the group no longer reaches them. */
const escapedPids: number[] = [];
after(() => {
  for (const child of started) if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  for (const pid of escapedPids) signalGroup(pid, 'SIGKILL');
});

describe('signalPid and signalGroup', () => {
  it('never signal PID 0 or 1, the caller itself, or its own group', () => {
    // SIGCONT: harmless should a guard ever be missing.
    for (const pid of [0, 1, process.pid, 1.5]) assert.equal(signalPid(pid, 'SIGCONT'), false, `pid ${pid}`);
    for (const pgid of [-1, 0, 1, ownProcessGroup()]) assert.equal(signalGroup(pgid, 'SIGCONT'), false, `group ${pgid}`);
  });
});

describe('isPartOfInstance', () => {
  it('accepts a member of the group or a descendant, and nothing else', async () => {
    // A leader with a child in its group, and a grandchild that left it with setsid.
    const leader = spawn('sh', ['-c', 'sleep 300 & setsid sleep 300 & wait'], { detached: true, stdio: 'ignore' });
    started.push(leader);
    const stranger = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    started.push(stranger);
    const pid = leader.pid!;
    const children = await waitFor(() => {
      const found = childrenOf(pid);
      return found.length === 2 ? found : undefined;
    }, 5000, 'both children');
    const inGroup = children.find((c) => readProcStat(c)?.pgid === pid)!;
    const escaped = await waitFor(() => children.find((c) => readProcStat(c)?.pgid === c), 5000, 'the setsid child');
    escapedPids.push(escaped);
    const own = ownProcessGroup();
    assert.equal(isPartOfInstance(inGroup, pid, pid, own), true, 'a group member');
    assert.equal(isPartOfInstance(inGroup, undefined, pid, own), true, 'a group member, main process unknown');
    assert.equal(isPartOfInstance(escaped, pid, pid, own), true, 'a descendant outside the group');
    assert.equal(isPartOfInstance(stranger.pid!, pid, pid, own), false, 'a stranger');
    assert.equal(isPartOfInstance(1, pid, pid, own), false, 'PID 1');
    assert.equal(isPartOfInstance(process.pid, pid, pid, own), false, 'the supervisor');
    // The caller's own group is never "the instance's group".
    assert.equal(isPartOfInstance(stranger.pid!, undefined, own, own), false);
    assert.equal(isAlive(stranger.pid!), true);
  });
});

function childrenOf(pid: number): number[] {
  return snapshotProcesses()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid);
}

describe('escapedDescendants', () => {
  const p = (pid: number, ppid: number, pgid: number, startTime = 10): ProcessFacts => ({ pid, ppid, pgid, startTime });

  it('finds the topmost descendants outside the group, from any member', () => {
    const snapshot = [
      p(100, 1, 100), // leader
      p(101, 100, 100), // worker
      p(102, 101, 102), // setsid from the worker
      p(103, 102, 102), // its child: not reported again
      p(104, 1, 100), // a member re-parented to init
      p(105, 104, 105), // setsid from it
      p(200, 1, 200), // someone else
      p(201, 200, 201),
    ];
    assert.deepEqual(
      escapedDescendants(snapshot, 100, 100).map((e) => e.pid).sort(),
      [102, 105],
    );
  });
});

describe('ownedMembers', () => {
  const p = (pid: number, pgid: number, startTime: number): ProcessFacts => ({ pid, ppid: 1, pgid, startTime });

  it('is the group while its leader is the recorded one and a member predates the stop', () => {
    const group = { pgid: 300, leaderStartTime: 50, since: 80 };
    assert.deepEqual(ownedMembers(group, [p(300, 300, 50), p(301, 300, 60)]).map((m) => m.pid), [300, 301]);
    assert.deepEqual(ownedMembers(group, [p(301, 300, 60)]).map((m) => m.pid), [301], 'the leader has gone');
  });

  it('is nothing for a reused group id', () => {
    const group = { pgid: 300, leaderStartTime: 50, since: 80 };
    assert.deepEqual(ownedMembers(group, [p(300, 300, 90), p(301, 300, 95)]), [], 'another leader');
    assert.deepEqual(ownedMembers(group, [p(301, 300, 95)]), [], 'only members started after the stop began');
    assert.deepEqual(ownedMembers({ pgid: 1 }, [p(5, 1, 1)]), [], 'group 1');
  });
});
