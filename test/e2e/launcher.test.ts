// The `procodile` launcher (scripts/launcher.sh, dist/procodile): a background start launches
// its supervisor at the same moment as the command, and that early supervisor either is handed
// the pid directory by the command or leaves without a trace (README.md, "Performance").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appsCleanedAfterEach, REPO_ROOT, readPid, waitFor, type TestApp } from '../helpers/app.js';
import { cli, stopAll } from '../helpers/supervisor.js';
import { isAlive } from '../../src/proc/liveness.js';
import { runningLogWriter } from '../../src/logging/log-writer-paths.js';

const LAUNCHER = join(REPO_ROOT, 'dist', 'procodile');
const EARLY_LINE = 'Launched beside the start command';

interface Launched {
  code: number;
  stdout: string;
  stderr: string;
  /** The command's pid: the launcher's shell, which became the CLI. */
  pid: number;
}

function launch(app: TestApp, args: string[]): Promise<Launched> {
  return new Promise((resolve) => {
    const child = execFile(LAUNCHER, args, { cwd: app.root, env: { ...process.env, NO_COLOR: '1' }, timeout: 30000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}

/** Live processes that were launched as the early supervisor of the command `cliPid`. */
function earlySupervisorsOf(cliPid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (environ.split('\0').includes(`PROCODILE_EARLY_PARENT=${cliPid}`) && isAlive(pid)) found.push(pid);
    } catch {
      // Gone, or not readable: not ours.
    }
  }
  return found;
}

async function noEarlySupervisorLeft(cliPid: number): Promise<void> {
  await waitFor(() => earlySupervisorsOf(cliPid).length === 0, 10000, `the early supervisor of ${cliPid} to leave`);
}

describe('the procodile launcher', () => {
  const app = appsCleanedAfterEach();

  it('hands a background start the supervisor it launched beside it', async () => {
    const a = app({ Procfile: 'web: sleep 300\nworker: sleep 300\n' });
    const started = await launch(a, ['start']);
    assert.equal(started.code, 0, started.stderr);
    const pid = Number(/Started Procodile supervisor with PID (\d+)/.exec(started.stdout)?.[1]);
    assert.equal(readPid(a.path('pids', 'procodile.pid')), pid);
    assert.match(a.read('procodile.log'), new RegExp(EARLY_LINE));
    // What only the supervisor itself writes shows it is running normally.
    assert.match(a.read('procodile.log'), /Started with PID/);
    const status = await cli(a, ['status', '--simple']);
    assert.match(status.stdout, /^OK \|\| web\[1\], worker\[1\]/);
    const stopped = await launch(a, ['stop', '-s', '--wait']);
    assert.equal(stopped.code, 0, stopped.stderr);
    await waitFor(() => !isAlive(pid), 10000, 'the supervisor to exit');
  });

  it('lets the early supervisor go when one is already running', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    const first = await launch(a, ['start']);
    assert.equal(first.code, 0, first.stderr);
    const supervisor = readPid(a.path('pids', 'procodile.pid'));
    const second = await launch(a, ['start']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /No processes to start/);
    await noEarlySupervisorLeft(second.pid);
    assert.equal(readPid(a.path('pids', 'procodile.pid')), supervisor, 'the running supervisor stays in charge');
    assert.equal(a.read('procodile.log').split(EARLY_LINE).length - 1, 1, 'only the first start handed over');
    assert.equal((await launch(a, ['stop', '-s', '--wait'])).code, 0);
  });

  it('starts nothing when the command refuses the start', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    const refused = await launch(a, ['start', '--env-file', 'missing.env']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /missing\.env/);
    await noEarlySupervisorLeft(refused.pid);
    assert.equal(readPid(a.path('pids', 'procodile.pid')), undefined, 'no supervisor was started');
  });

  it('uses a supervisor of its own flags for the proxy', async () => {
    const a = app({
      Procfile: 'web: sleep 300\n',
      'Procfile.options': 'proxy: true\nprocesses:\n  web:\n    proxy_port: 42791\n    allocate_port_from: 42700\n',
    });
    const started = await launch(a, ['start']);
    assert.equal(started.code, 0, started.stderr);
    await noEarlySupervisorLeft(started.pid);
    assert.doesNotMatch(a.read('procodile.log'), new RegExp(EARLY_LINE));
    assert.match((await cli(a, ['status', '--simple'])).stdout, /^OK/);
    assert.equal((await launch(a, ['stop', '-s', '--wait'])).code, 0);
  });

  it('keeps logging to its file, and only there, when the log writer goes away', async () => {
    const a = app({ Procfile: 'web: sleep 300\nworker: sleep 300\n' });
    const started = await launch(a, ['start']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(a.read('procodile.log'), new RegExp(EARLY_LINE));
    const writer = await waitFor(() => runningLogWriter(a.path('pids')), 5000, 'the log writer');
    process.kill(writer, 'SIGKILL');
    await waitFor(() => !isAlive(writer), 5000, 'the log writer to die');
    // Requests and replies over the control socket go on untouched by the supervisor's log
    // lines, and those lines still reach procodile.log.
    const stopped = await cli(a, ['stop', '-p', 'worker']);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /Stopped worker\.1/);
    await waitFor(() => /worker\.1 +\| Sending TERM/.test(a.read('procodile.log')), 5000, 'the stop in procodile.log');
    const status = await cli(a, ['status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.doesNotThrow(() => JSON.parse(status.stdout));
    assert.equal((await launch(a, ['stop', '-s', '--wait'])).code, 0);
    assert.match(a.read('procodile.log'), /Stopped Procodile supervisor/);
  });

  it('hands nothing to a pid named in a forged variable, and ignores a leaked parent variable', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    const stranger = spawn('sleep', ['300'], { cwd: '/', stdio: 'ignore' });
    try {
      // Not a child of the command: never taken for its early supervisor.
      const started = await cli(a, ['start'], { PROCODILE_EARLY_DAEMON: String(stranger.pid), PROCODILE_EARLY_PARENT: String(process.pid) });
      assert.equal(started.code, 0, started.stderr);
      const pid = Number(/Started Procodile supervisor with PID (\d+)/.exec(started.stdout)?.[1]);
      assert.notEqual(pid, stranger.pid);
      assert.equal(readPid(a.path('pids', 'procodile.pid')), pid);
      assert.doesNotMatch(a.read('procodile.log'), new RegExp(EARLY_LINE));
      assert.doesNotMatch(readFileSync(a.path('pids', '.procodile.lock'), 'utf8'), new RegExp(`^${stranger.pid} `));
      const status = await cli(a, ['status', '--simple'], { PROCODILE_EARLY_PARENT: String(process.pid) });
      assert.match(status.stdout, /^OK \|\| web\[1\]/, 'a leaked variable does not silence a command');
      assert.equal(isAlive(stranger.pid!), true, 'the stranger was never signalled');
      await stopAll(a);
    } finally {
      stranger.kill('SIGKILL');
    }
  });
});
