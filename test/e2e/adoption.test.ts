// A supervisor may die; the application does not (D5): its successor adopts the survivors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { isAlive } from '../../src/proc/liveness.js';
import { makeApp, readPid, waitFor, type TestApp } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll, waitForDeath, waitForRunning } from '../helpers/supervisor.js';

let apps: TestApp[] = [];
const strays: number[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.cleanup()));
  apps = [];
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

describe('adoption after a supervisor crash', () => {
  it('adopts live instances, respawns them when they die, and stops them', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\nworker: sleep 300\n' });
    apps.push(a);
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const [worker] = await waitForRunning(a, 'worker', 1);
    const oldSupervisor = readPid(a.path('pids/procodile.pid'))!;
    process.kill(oldSupervisor, 'SIGKILL');
    await waitForDeath(oldSupervisor);
    assert.equal(isAlive(web!.pid!), true, 'the application outlives its supervisor');

    const start = await cli(a, ['start']);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /Found web\.1 still running with PID \d+; it will be adopted/);
    const reply = await status(a);
    assert.equal(instancesOf(reply, 'web')[0]?.pid, web!.pid);
    assert.equal(instancesOf(reply, 'web')[0]?.status, 'running');
    assert.equal(instancesOf(reply, 'web').length, 1, 'adoption does not start a duplicate');
    assert.equal(instancesOf(reply, 'worker')[0]?.pid, worker!.pid);

    process.kill(web!.pid!, 'SIGKILL');
    await waitFor(
      async () => instancesOf(await status(a), 'web').find((i) => i.status === 'running' && i.pid !== web!.pid),
      5000,
      'the adopted instance to be respawned',
    );
    await stopAll(a);
    assert.equal(isAlive(worker!.pid!), false, 'an adopted instance is stopped like any other');
  });

  it('never adopts or signals a pid that now belongs to another process', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    apps.push(a);
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const oldSupervisor = readPid(a.path('pids/procodile.pid'))!;
    process.kill(oldSupervisor, 'SIGKILL');
    process.kill(web!.pid!, 'SIGKILL');
    await waitForDeath(web!.pid!);
    // Simulate the pid being recycled by an unrelated process.
    const stranger = spawn('sleep', ['300'], { stdio: 'ignore' });
    strays.push(stranger.pid!);
    writeFileSync(a.path('pids/web.1.pid'), `${stranger.pid}\n`);

    const start = await cli(a, ['start']);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /Removed web\.1\.pid because its process has gone/);
    const [fresh] = await waitForRunning(a, 'web', 1);
    assert.notEqual(fresh!.pid, stranger.pid);
    await stopAll(a);
    assert.equal(isAlive(stranger.pid!), true, 'the stranger was never signalled');
  });

  it('refuses to start over live processes it cannot vouch for', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    apps.push(a);
    const stranger = spawn('sleep', ['300'], { stdio: 'ignore' });
    strays.push(stranger.pid!);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(a.path('pids'));
    writeFileSync(a.path('pids/web.1.pid'), `${stranger.pid}\n`);
    const start = await cli(a, ['start']);
    assert.equal(start.code, 1);
    assert.match(start.stderr, /Could not remove web\.1\.pid because process \(\d+\) was active/);
    assert.match(start.stderr, /is not empty: web\.1\.pid/);
    assert.match(start.stderr, /procodile kill|--clean/);
    const clean = await cli(a, ['start', '--clean']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /Emptied PID directory/);
    await waitForRunning(a, 'web', 1);
    await stopAll(a);
    assert.equal(isAlive(stranger.pid!), true, 'the stranger was never signalled');
  });
});
