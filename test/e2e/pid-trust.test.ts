// What procodile signals: a pid file names a process, but only the instance's own tree is
// followed; `kill` trusts the record only; a dead supervisor's stops are finished by its
// successor; and a process that escaped its instance's group is reported, not missed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { isAlive, readProcStat } from '../../src/proc/liveness.js';
import { snapshotProcesses } from '../../src/proc/process-tree.js';
import { makeApp, readPid, waitFor, type TestApp } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll, waitForDeath, waitForRunning } from '../helpers/supervisor.js';

let apps: TestApp[] = [];
const strays: number[] = [];
afterEach(async () => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await Promise.all(apps.map((a) => a.cleanup()));
  apps = [];
});

function app(files: Record<string, string>): TestApp {
  const made = makeApp(files);
  apps.push(made);
  return made;
}

/** A `sleep` in its own process group, not started by procodile. */
function stranger(cwd = '/tmp'): number {
  const child = spawn('sleep', ['300'], { stdio: 'ignore', detached: true, cwd });
  child.unref();
  strays.push(child.pid!);
  return child.pid!;
}

describe('a pid file that names a process outside the instance', () => {
  it('is never signalled: stop -s --wait stops the real instance instead', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const victim = stranger();
    writeFileSync(a.path('pids/web.1.pid'), `${victim}\n`);
    await stopAll(a);
    assert.equal(isAlive(victim), true, 'the stranger was never signalled');
    assert.equal(isAlive(web!.pid!), false, 'the real instance was stopped');
    assert.match(a.read('procodile.log'), new RegExp(`PID file names PID ${victim}, which is not part of web\\.1; ignored`));
  });

  it('is reported once and the pid file names the instance again', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const victim = stranger();
    writeFileSync(a.path('pids/web.1.pid'), `${victim}\n`);
    // The periodic pass reads the file again: it says so and puts the real pid back.
    const line = `PID file names PID ${victim}, which is not part of web.1; ignored`;
    await waitFor(() => a.read('procodile.log').includes(line), 8000, 'the ignored pid to be logged');
    await waitFor(() => readPid(a.path('pids/web.1.pid')) === web!.pid, 3000, 'the pid file to name the instance again');
    assert.equal(instancesOf(await status(a), 'web')[0]?.pid, web!.pid);
    await stopAll(a);
    assert.equal(a.read('procodile.log').split(line).length - 1, 1, 'logged once');
    assert.equal(isAlive(victim), true);
  });

  it('naming PID 1 does not keep stop --wait from returning', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    writeFileSync(a.path('pids/web.1.pid'), '1\n');
    await stopAll(a);
    assert.equal(isAlive(web!.pid!), false);
    assert.match(a.read('procodile.log'), /PID file names PID 1, which is not part of web\.1; ignored/);
  });
});

describe('procodile kill without a record', () => {
  it('leaves an operator shell working in the app and a stranger alone, and says so', async () => {
    const a = app({ Procfile: 'web: sleep 300\nworker: sleep 300\n' });
    mkdirSync(a.path('pids'));
    const operator = stranger(a.root);
    const other = stranger();
    writeFileSync(a.path('pids/web.1.pid'), `${operator}\n`);
    writeFileSync(a.path('pids/worker.1.pid'), `${other}\n`);
    const kill = await cli(a, ['kill']);
    assert.equal(kill.code, 0, kill.stderr);
    assert.match(kill.stderr, new RegExp(`Left PID ${operator} \\(web\\.1\\) alone: procodile has no record of starting it`));
    assert.match(kill.stderr, new RegExp(`Left PID ${other} \\(worker\\.1\\) alone`));
    assert.equal(isAlive(operator), true, 'the operator shell survives');
    assert.equal(isAlive(other), true, 'the stranger survives');
    process.kill(operator, 'SIGKILL');
    await waitForDeath(operator);
  });
});

describe('a supervisor killed during a restart', () => {
  it('leaves its successor to finish stopping the old groups', async () => {
    const a = app({
      // The leader shell dies of TERM; its child ignores TERM and holds the group.
      Procfile: 'web: sh ignore-term.sh & wait\n',
      'ignore-term.sh': "trap '' TERM\nexec sleep 300\n",
      'Procfile.options': 'processes:\n  web:\n    quantity: 2\n    restart_mode: start-term\n    stop_timeout: 4\n',
    });
    await startDaemon(a);
    const old = await waitForRunning(a, 'web', 2);
    const oldGroups = old.map((i) => i.pid!);
    const members = (): number[] => snapshotProcesses().filter((p) => oldGroups.includes(p.pgid)).map((p) => p.pid);
    await waitFor(() => members().length === 4, 5000, 'each old leader to start its child');

    const restart = await cli(a, ['restart']);
    assert.equal(restart.code, 0, restart.stderr);
    // The old leaders died of TERM; their children hold on until stop_timeout.
    for (const pid of oldGroups) await waitForDeath(pid);
    await waitFor(
      () => {
        const text = readFileSync(a.path('pids/.procodile-instances.json'), 'utf8');
        return oldGroups.every((g) => text.includes(`"pgid":${g},`));
      },
      3000,
      'the record to list the groups being stopped',
    );
    const supervisor = readPid(a.path('pids/procodile.pid'))!;
    process.kill(supervisor, 'SIGKILL');
    await waitForDeath(supervisor);
    const survivors = members();
    assert.equal(survivors.length, 2, 'the TERM-ignoring children outlive the supervisor');

    const start = await cli(a, ['start']);
    assert.equal(start.code, 0, start.stderr);
    await waitForRunning(a, 'web', 2);
    await stopAll(a);
    for (const pid of survivors) assert.equal(isAlive(pid), false, `old group member ${pid} was left running`);
    assert.match(a.read('procodile.log'), /Finishing the stop of process group \d+ that the previous supervisor began/);
  });
});

describe('a process that escapes its instance with setsid', () => {
  it('is reported in the log and in status after the stop, and left running', async () => {
    const a = app({ Procfile: 'web: setsid sleep 300 & exec sleep 300\n' });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const escapee = await waitFor(
      () => snapshotProcesses().find((p) => p.ppid === web!.pid && p.pgid !== web!.pid && readProcStat(p.pid)?.state !== 'Z'),
      5000,
      'the setsid child',
    );
    strays.push(escapee.pid);
    const stop = await cli(a, ['stop', '-p', 'web', '--wait']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(isAlive(web!.pid!), false);
    assert.equal(isAlive(escapee.pid), true, 'an escaped process is reported, not killed');
    const expected = `escaped process PID ${escapee.pid} (sleep 300) left running by web.1; it left the process group with setsid`;
    assert.ok(a.read('procodile.log').includes(expected), a.read('procodile.log'));
    const issues = (await status(a)).runtime_issues;
    assert.ok(
      issues.some((i) => i.type === 'escaped_process' && i.message.includes(expected)),
      JSON.stringify(issues),
    );
    process.kill(escapee.pid, 'SIGKILL');
    await waitForDeath(escapee.pid);
    await stopAll(a);
  });
});
