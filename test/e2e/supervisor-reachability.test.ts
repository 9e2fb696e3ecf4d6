// What the CLI says when it cannot reach a running supervisor, and what status shows of the
// environment (README: control socket).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { appsCleanedAfterEach, CLI, waitFor, type RunResult, type TestApp } from '../helpers/app.js';
import { cli, startDaemon, status, stopAll, waitForRunning } from '../helpers/supervisor.js';

const makeApp = appsCleanedAfterEach();

/** Runs the CLI as `nobody`, the unprivileged user next to a root supervisor. */
function cliAsNobody(app: TestApp, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--', CLI, ...args], {
      cwd: app.root,
      env: { ...process.env, NO_COLOR: '1', HOME: '/tmp' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('reaching the supervisor', () => {
  it('says how to recover a deleted socket, and SIGHUP brings it back', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    await startDaemon(a);
    await waitForRunning(a, 'web', 1);
    const pid = Number(a.read('pids/procodile.pid'));
    rmSync(a.path('pids/procodile.sock'));
    for (const command of [['status'], ['stop'], ['restart']]) {
      const result = await cli(a, command);
      assert.equal(result.code, 1, command.join(' '));
      assert.match(
        result.stderr,
        new RegExp(`The supervisor \\(PID ${pid}\\) is running but its control socket ${a.path('pids/procodile.sock')} is missing\\. Run \`kill -HUP ${pid}\``),
        command.join(' '),
      );
    }
    process.kill(pid, 'SIGHUP');
    await waitFor(async () => (await cli(a, ['status'])).code === 0, 5000, 'status to answer after SIGHUP');
    assert.equal((await status(a)).supervisor.pid, pid);
    await stopAll(a);
  });

  it('says permission denied, naming the path, to a user who may not reach it', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    chmodSync(a.root, 0o755);
    await startDaemon(a);
    await waitForRunning(a, 'web', 1);
    chmodSync(a.path('pids'), 0o755);
    const socket = await cliAsNobody(a, ['status']);
    assert.equal(socket.code, 1, socket.stdout);
    assert.match(socket.stderr, new RegExp(`Permission denied connecting to ${a.path('pids/procodile.sock')}`));
    chmodSync(a.path('pids'), 0o700);
    const directory = await cliAsNobody(a, ['status']);
    assert.equal(directory.code, 1, directory.stdout);
    assert.match(directory.stderr, new RegExp(`Permission denied reading ${a.path('pids/procodile.pid')}`));
    await stopAll(a);
  });
});

describe('secrets in status', () => {
  it('masks the values of secret-looking and secret_env names, in human and JSON status', async () => {
    const a = makeApp({
      Procfile: 'web: sleep 300\n',
      'Procfile.options': [
        'secret_env: [CUSTOM]',
        'env:',
        '  API_KEY: k-123',
        '  GITHUB_TOKEN: t-123',
        '  DB_PASSWORD: p-123',
        '  DATABASE_URL: postgres://app:p-456@db/shop',
        '  CUSTOM: c-123',
        '  MONKEY: banana',
        '  RAILS_ENV: production',
        '',
      ].join('\n'),
    });
    await startDaemon(a);
    const env = (await status(a)).environment_variables;
    assert.deepEqual(env, {
      API_KEY: '********',
      GITHUB_TOKEN: '********',
      DB_PASSWORD: '********',
      DATABASE_URL: 'postgres://app:********@db/shop',
      CUSTOM: '********',
      MONKEY: 'banana',
      RAILS_ENV: 'production',
    });
    const human = await cli(a, ['status']);
    assert.doesNotMatch(human.stdout, /-123|-456/);
    assert.match(human.stdout, /MONKEY banana/);
    await stopAll(a);
  });
});
