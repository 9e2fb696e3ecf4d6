// A root supervisor (the test machine runs as root) against a local user who can write in its
// directories, or who planted links where its runtime files go (README.md, "Running as root").
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isAlive } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, readPid, runCli, waitFor, type TestApp } from '../helpers/app.js';
import { cli, startDaemon, stopAll, waitForRunning } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();
const NOBODY = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
const SECRET = 'root only\n';

/** A root-owned 0600 file that nothing of procodile's may ever write to. */
function plantVictim(a: TestApp, name: string): string {
  const path = a.path(name);
  writeFileSync(path, SECRET, { mode: 0o600 });
  return path;
}

async function assertNothingStarted(a: TestApp): Promise<void> {
  assert.equal(existsSync(a.path('pids/procodile.pid')), false, 'no supervisor pid file');
  assert.deepEqual(await a.leftovers(), [], 'no process runs in the app');
}

describe('directories another user controls', () => {
  it('refuses to start with a pid directory owned by another user, in the background or foreground', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    mkdirSync(a.path('pids'), { mode: 0o755 });
    chownSync(a.path('pids'), NOBODY, NOBODY);
    for (const args of [['start'], ['start', '--foreground']]) {
      const result = await cli(a, args);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, new RegExp(`Refusing to use ${a.path('pids')} \\(pid_root\\) while running as root: it is owned by uid ${NOBODY}`));
      assert.match(result.stderr, /chown root/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      await assertNothingStarted(a);
    }
  });

  it('refuses a log directory others can write, naming log_root', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'log_root: log\n' });
    mkdirSync(a.path('log'));
    chmodSync(a.path('log'), 0o777);
    const result = await cli(a, ['start']);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`Refusing to use ${a.path('log')} \\(log_root\\) while running as root: it is writable by other users \\(mode 0777\\)`));
    assert.match(result.stderr, /chmod go-w/);
    assert.equal(existsSync(a.path('log/procodile.log')), false, 'the supervisor log was not opened');
    await assertNothingStarted(a);
  });

  it('refuses an application root another user owns, where the logs go by default', async () => {
    // The pid directory is elsewhere, so that the log directory is what gets refused.
    const pids = `/tmp/pc-pids-${process.pid}`;
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': `pid_root: ${pids}\n` });
    try {
      chownSync(a.root, NOBODY, NOBODY);
      const result = await cli(a, ['start']);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stderr, new RegExp(`Refusing to use ${a.root} \\(the application root, where logs go by default\\)`));
      assert.match(result.stderr, /set log_root to a directory only root can write/);
      assert.equal(existsSync(a.path('procodile.log')), false);
      assert.deepEqual(await a.leftovers(), []);
    } finally {
      rmSync(pids, { recursive: true, force: true });
    }
  });
});

describe('links planted where runtime files go', () => {
  it('never appends process output to a linked log file', async () => {
    const a = app({ Procfile: "web: sh -c 'echo hello; exec sleep 300'\n", 'Procfile.options': 'log_root: log\n' });
    const victim = plantVictim(a, 'victim');
    mkdirSync(a.path('log'), { mode: 0o755 });
    symlinkSync(victim, a.path('log/web.log'));
    const start = await cli(a, ['start']);
    assert.equal(start.code, 1, 'start says that web failed to start');
    assert.match(start.stderr, /Failed to start: web/);
    const status = await waitFor(async () => {
      const result = await cli(a, ['status']);
      const output = result.stdout + result.stderr;
      return output.includes("Process 'web' failed to start") ? output : undefined;
    }, 10000, 'web to be reported as failing to start');
    assert.match(status, new RegExp(`Refusing to write ${a.path('log/web.log')}: it is a symbolic link`));
    await stopAll(a);
    assert.equal(readFileSync(victim, 'utf8'), SECRET);
  });

  it('never appends the supervisor log to a linked procodile.log', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'log_root: log\n' });
    const victim = plantVictim(a, 'victim');
    mkdirSync(a.path('log'), { mode: 0o755 });
    symlinkSync(victim, a.path('log/procodile.log'));
    const result = await cli(a, ['start']);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`Refusing to write ${a.path('log/procodile.log')}: it is a symbolic link`));
    assert.equal(readFileSync(victim, 'utf8'), SECRET);
    await assertNothingStarted(a);
  });

  it('replaces a pid file and the record temporary swapped for links while running', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    const pidVictim = plantVictim(a, 'victim-pid');
    const recordVictim = plantVictim(a, 'victim-record');
    await startDaemon(a);
    const [first] = await waitForRunning(a, 'web', 1);
    const supervisor = readPid(a.path('pids/procodile.pid'))!;
    const pidFile = a.path('pids/web.1.pid');
    execFileSync('ln', ['-sf', pidVictim, pidFile]);
    // The name the record used to be written through before being renamed into place.
    symlinkSync(recordVictim, a.path(`pids/.procodile-instances.json.${supervisor}`));
    process.kill(first!.pid!, 'SIGKILL');
    const respawned = await waitFor(() => {
      const pid = readPid(pidFile);
      return pid !== undefined && pid !== first!.pid ? pid : undefined;
    }, 10000, 'the respawned instance to rewrite its pid file');
    assert.ok(lstatSync(pidFile).isFile(), 'the pid file is a file again, not the link');
    await waitFor(() => readFileSync(a.path('pids/.procodile-instances.json'), 'utf8').includes(`"pid":${respawned}`), 5000, 'the record of the respawned instance');
    assert.equal(readFileSync(pidVictim, 'utf8'), SECRET);
    assert.equal(readFileSync(recordVictim, 'utf8'), SECRET);
    assert.ok(isAlive(respawned));
    await stopAll(a);
  });
});

describe('umask 000', () => {
  it('leaves no runtime file or directory writable by group or others', async () => {
    const a = app({ Procfile: "web: sh -c 'echo hello; exec sleep 300'\n", 'Procfile.options': 'log_root: log\n' });
    // The CLI inherits the umask when it is spawned; restored at once for the rest of the tests.
    const previous = process.umask(0);
    const starting = runCli(['start'], { cwd: a.root });
    process.umask(previous);
    const result = await starting;
    assert.equal(result.code, 0, result.stdout + result.stderr);
    await waitForRunning(a, 'web', 1);
    await waitFor(() => a.read('log/web.log').includes('hello'), 5000, 'output in web.log');
    const files = [
      ...readdirSync(a.path('pids')).map((name) => `pids/${name}`),
      'pids',
      'log',
      'log/web.log',
      'log/procodile.log',
    ];
    assert.ok(files.includes('pids/web.1.pid') && files.includes('pids/.procodile-instances.json') && files.includes('pids/procodile.sock'));
    for (const name of files) {
      const mode = lstatSync(a.path(name)).mode & 0o777;
      assert.equal(mode & 0o022, 0, `${name} is ${mode.toString(8)}`);
    }
    assert.equal(lstatSync(a.path('pids/procodile.sock')).mode & 0o777, 0o600);
    await stopAll(a);
  });
});
