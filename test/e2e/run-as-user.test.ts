// `user:` in the options: procodile compares the real uid with the configured user's, never
// $USER, and switches through sudo, or says how to switch when sudo is missing. These tests
// run as root (as CI does). sudo is not installed everywhere, so a `sudo` on PATH that
// switches with runuser stands in for it: the switch itself is real.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appsCleanedAfterEach, CLI, readPid, runCli, waitFor, type RunResult, type TestApp } from '../helpers/app.js';

const app = appsCleanedAfterEach();
const NOBODY = 65534;

/** Hands the app directory to nobody, so that a supervisor running as nobody can write there. */
function giveToNobody(dir: string): void {
  chownSync(dir, NOBODY, NOBODY);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) giveToNobody(join(dir, entry.name));
    else chownSync(join(dir, entry.name), NOBODY, NOBODY);
  }
}

function uidOf(pid: number): number | undefined {
  const line = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line?.[1] === undefined ? undefined : Number(line[1]);
}

/** A `sudo -H -u USER -- COMMAND...` that switches with runuser; returns the PATH to use. */
function sudoShim(a: TestApp): string {
  a.write({ 'bin/sudo.sh': '#!/bin/sh\nshift; shift; user="$1"; shift; shift\nexec runuser -u "$user" -- "$@"\n' });
  renameSync(a.path('bin/sudo.sh'), a.path('bin/sudo'));
  return `${a.path('bin')}:${process.env.PATH ?? ''}`;
}

/** Runs the CLI as `user` through runuser, with `env` set after runuser has set USER and HOME. */
function runAs(user: string, args: string[], cwd: string, env: Record<string, string>): Promise<RunResult> {
  const assignments = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  return new Promise((resolve) => {
    execFile(
      'runuser',
      ['-u', user, '--', 'env', ...assignments, process.execPath, '--', CLI, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' }, timeout: 30000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, signal: null, stdout, stderr });
      },
    );
  });
}

describe('user: is checked against the real uid', () => {
  it('runs as root, which these tests need to switch users', () => {
    assert.equal(process.getuid?.(), 0);
  });

  it('switches to the user even when USER already names it', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'user: nobody\n' });
    const env = { USER: 'nobody', PATH: sudoShim(a) };
    giveToNobody(a.root);
    const start = await runCli(['start'], { cwd: a.root, env });
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stderr, /Procodile must be run as nobody\. Re-executing as nobody/);
    const pid = await waitFor(() => readPid(a.path('pids', 'web.1.pid')), 10000, 'web.1 to start');
    assert.equal(uidOf(pid), NOBODY, 'the instance runs as nobody, not as root');
    const stop = await runCli(['stop', '-s', '--wait'], { cwd: a.root, env });
    assert.equal(stop.code, 0, stop.stderr);
  });

  it('says how to run as the user when sudo is not installed', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'user: nobody\n' });
    mkdirSync(a.path('empty-bin'));
    const start = await runCli(['start', '-p', 'web'], { cwd: a.root, env: { USER: 'nobody', PATH: a.path('empty-bin') } });
    assert.equal(start.code, 1, start.stdout);
    assert.match(start.stderr, /This application runs as nobody \(uid 65534\), but this is uid 0 and sudo, .* is not installed/);
    assert.match(start.stderr, /`runuser -u nobody -- procodile start -p web`/);
    assert.deepEqual(await a.leftovers(), [], 'nothing was started as root');
  });

  it('refuses a user that does not exist', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'user: pc-no-such-user\n' });
    const start = await runCli(['start'], { cwd: a.root, env: { PATH: sudoShim(a) } });
    assert.equal(start.code, 1, start.stdout);
    assert.match(start.stderr, /The user 'pc-no-such-user' \(the user option in .*Procfile\.options or .*Procfile\.local\) does not exist on this machine/);
  });

  it('runs without switching when the uid already is the user, whatever USER says', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'user: nobody\n' });
    giveToNobody(a.root);
    const env = { USER: 'root' };
    const start = await runAs('nobody', ['start'], a.root, env);
    assert.equal(start.code, 0, start.stderr);
    assert.doesNotMatch(start.stderr, /Re-executing/);
    const pid = await waitFor(() => readPid(a.path('pids', 'web.1.pid')), 10000, 'web.1 to start');
    assert.equal(uidOf(pid), NOBODY);
    const stop = await runAs('nobody', ['stop', '-s', '--wait'], a.root, env);
    assert.equal(stop.code, 0, stop.stderr);
  });
});
