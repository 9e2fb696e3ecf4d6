// A release layout with `current` switched under a relative pid_root: the CLI no longer finds
// the supervisor in the pid directory, and must neither suggest nor perform a second `start`
// (README.md, "Updating a deployment").
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync, renameSync, symlinkSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isAlive } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, runCli, waitFor } from '../helpers/app.js';

const app = appsCleanedAfterEach();

describe('a supervisor whose pid directory moved with `current`', () => {
  it('is named with its pid and real pid directory, and no second one is started', async () => {
    const release = { Procfile: 'web: sleep 300\n', 'Procfile.options': 'pid_root: pids\n' };
    const a = app({
      ...Object.fromEntries(Object.entries(release).map(([name, text]) => [`releases/1/${name}`, text])),
      ...Object.fromEntries(Object.entries(release).map(([name, text]) => [`releases/2/${name}`, text])),
    });
    const current = a.path('current');
    const switchTo = (target: string): void => {
      symlinkSync(target, a.path('current.new'));
      renameSync(a.path('current.new'), current);
    };
    switchTo('releases/1');
    const procodile = (...args: string[]) => runCli(['-r', current, ...args], { cwd: a.root });

    const started = await procodile('start');
    assert.equal(started.code, 0, started.stderr);
    await waitFor(async () => (await procodile('status', '--simple')).stdout.startsWith('OK'), 10000, 'web running');
    const supervisor = Number(readFileSync(a.path('releases/1/pids/procodile.pid'), 'utf8'));
    const oldPids = realpathSync(a.path('releases/1/pids'));

    switchTo('releases/2');
    const status = await procodile('status');
    assert.equal(status.code, 1);
    assert.doesNotMatch(status.stderr, /procodile start/);
    assert.ok(status.stderr.includes(`PID ${supervisor} (pid directory ${oldPids})`), status.stderr);
    assert.match(status.stderr, /Do not start another one/);
    // A monitor must not read "NotRunning" (exit 0) while the application's supervisor runs.
    const simple = await procodile('status', '--simple');
    assert.equal(simple.code, 1, simple.stdout);
    assert.doesNotMatch(simple.stdout, /NotRunning/);
    assert.ok(simple.stderr.includes(`PID ${supervisor} (pid directory ${oldPids})`), simple.stderr);

    const second = await procodile('start');
    assert.equal(second.code, 1);
    assert.ok(second.stderr.includes(`PID ${supervisor}`), second.stderr);
    assert.equal(existsSync(a.path('releases/2/pids/procodile.pid')), false, 'a second supervisor was started');

    switchTo('releases/1');
    const stopped = await procodile('stop', '-s', '--wait');
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(isAlive(supervisor), false);
  });
});
