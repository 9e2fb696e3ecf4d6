// The CLI talks only to a supervisor it can trust, of its own application, and prints nothing
// a reply could use to drive the terminal (README: control socket).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { StatusReply } from '../../src/control/protocol.js';
import { isAlive } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, CLI, waitFor, type TestApp } from '../helpers/app.js';
import { statusReply } from '../helpers/fixtures.js';
import { cli, startDaemon, status, stopAll, waitForRunning } from '../helpers/supervisor.js';

const makeApp = appsCleanedAfterEach();

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const NASTY = '\u001b]0;owned\u0007\u001b[2J\u009b31m\r';

/**
 * A server that takes the supervisor's place: it answers every line with `reply` and records
 * the lines it got. `asNobody` runs it as another user, as an attacker with a writable pid
 * directory would.
 */
async function impostor(app: TestApp, reply: string, asNobody: boolean): Promise<ChildProcess> {
  const script = app.path('impostor.cjs');
  writeFileSync(
    script,
    `const net = require('net'); const fs = require('fs');
     const [sock, log, reply] = process.argv.slice(2);
     net.createServer((s) => s.on('data', (d) => { fs.appendFileSync(log, d); s.write(reply + '\\n'); })).listen(sock, () => {
       fs.writeFileSync(sock.replace(/procodile\\.sock$/, 'procodile.pid'), String(process.pid));
     });`,
  );
  mkdirSync(app.path('pids'), { recursive: true });
  rmSync(app.path('pids/procodile.pid'), { force: true });
  rmSync(app.path('pids/procodile.sock'), { force: true });
  chmodSync(app.root, 0o755);
  chmodSync(app.path('pids'), 0o777);
  chmodSync(script, 0o644);
  const args = [process.execPath, script, app.path('pids/procodile.sock'), app.path('pids/received'), reply];
  const child = asNobody
    ? spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', ...args], { stdio: 'ignore' })
    : spawn(args[0]!, args.slice(1), { stdio: 'ignore' });
  await waitFor(() => existsSync(app.path('pids/procodile.pid')), 5000, 'the impostor to listen');
  return child;
}

function fakeStatus(app: TestApp): StatusReply {
  return statusReply(app.root, {
    version: `1.0${NASTY}`,
    messages: [{ type: 'not_running', instance: `web.1${NASTY}`, status: 'Failed' }],
    app_name: `shop${NASTY}`,
    supervisor: { started_at: null, pid: 1, proxy_enabled: false },
    instances: { web: [{ description: `web.1${NASTY}`, pid: 5, respawns: 0, status: 'running', started_at: null, tag: NASTY, port: null, foreground: false }] },
    processes: [
      { name: 'web', random_delay: 0, log_color: 'red', quantity: 1, max_respawns: 5, respawn_window: 3600, command: `sleep ${NASTY}`, restart_mode: 'term-start', log_path: NASTY, removed: false, stop_timeout: 10 },
    ],
    runtime_issues: [{ key: 'k', type: 't', process_name: 'web', message: `broken${NASTY}` }],
    environment_variables: { [`A${NASTY}`]: NASTY },
  });
}

async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
}

describe('whom the CLI talks to', () => {
  it('refuses a socket that another user put in the supervisor’s place', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    const server = await impostor(a, `200 ${JSON.stringify(fakeStatus(a))}`, true);
    try {
      for (const command of [['status'], ['stop'], ['stop', '-s', '--wait'], ['restart']]) {
        const result = await cli(a, command);
        assert.equal(result.code, 1, `${command.join(' ')}: ${result.stdout}${result.stderr}`);
        assert.match(result.stderr, /procodile\.sock is owned by nobody \(uid 65534\), not by you .* or root: refusing to talk to it/);
        assert.doesNotMatch(result.stdout + result.stderr, CONTROL);
      }
      assert.equal(existsSync(a.path('pids/received')), false, 'nothing was sent to the impostor');
    } finally {
      await ended(server);
    }
  });

  it('escapes control characters from a reply and rejects a reply of the wrong shape', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    let server = await impostor(a, `200 ${JSON.stringify(fakeStatus(a))}`, false);
    try {
      const human = await cli(a, ['status']);
      assert.equal(human.code, 2, `the reply carries a runtime issue: ${human.stderr}`);
      assert.doesNotMatch(human.stdout + human.stderr, CONTROL);
      assert.ok(human.stdout.includes('web.1\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\x0d'), human.stdout);
      assert.match(human.stderr, /broken\\x1b/);
      const json = await cli(a, ['status', '--json']);
      assert.equal(json.code, 0, json.stderr);
      assert.doesNotMatch(json.stdout, CONTROL);
      const parsed = JSON.parse(json.stdout) as StatusReply;
      assert.equal(parsed.app_name, `shop${NASTY}`, 'JSON keeps the value, escaped the JSON way');
    } finally {
      await ended(server);
    }
    for (const reply of ['200 []', '200 {"root":1}', '200 not json', `500 ${NASTY}`]) {
      server = await impostor(a, reply, false);
      try {
        const result = await cli(a, ['status']);
        assert.equal(result.code, 1, reply);
        assert.doesNotMatch(result.stderr, /Internal error|\n\s+at /, reply);
        assert.doesNotMatch(result.stdout + result.stderr, CONTROL, reply);
        if (reply.startsWith('200')) assert.match(result.stderr, /The reply to 'status' from .* is not a supervisor's reply/, reply);
      } finally {
        await ended(server);
      }
    }
  });

  it('refuses to act on the supervisor of another root that shares the pid_root', async () => {
    const one = makeApp({ Procfile: 'web: sleep 300\nworker: sleep 300\n' });
    const two = makeApp({ Procfile: 'web: sleep 300\nworker: sleep 300\n', 'Procfile.options': `pid_root: ${one.path('pids')}\n` });
    await startDaemon(one);
    const [worker] = await waitForRunning(one, 'worker', 1);
    const both = new RegExp(`another application \\(${one.root}\\), not by ${two.root}: refusing`);
    const commands = [
      ['stop', '-p', 'worker'],
      ['status'],
      ['status', '--json'],
      ['status', '--simple'],
      ['start'],
      ['restart', '-p', 'worker'],
      ['reload'],
      ['check_concurrency'],
      ['kill'],
    ];
    for (const command of commands) {
      const result = await cli(two, command);
      assert.equal(result.code, 1, `${command.join(' ')}: ${result.stdout}`);
      assert.match(result.stderr, both, command.join(' '));
    }
    // `kill` is for a supervisor that no longer answers: its process title says whose it is.
    const supervisor = Number(one.read('pids/procodile.pid'));
    process.kill(supervisor, 'SIGSTOP');
    try {
      const result = await cli(two, ['kill']);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, both);
    } finally {
      process.kill(supervisor, 'SIGCONT');
    }
    const after = await status(one);
    assert.deepEqual(after.instances.worker?.map((i) => [i.pid, i.status]), [[worker!.pid, 'running']]);

    // Once that supervisor has died, its record still says whose processes are left.
    process.kill(supervisor, 'SIGKILL');
    await waitFor(() => !isAlive(supervisor), 5000, 'the supervisor to die');
    const theirs = new RegExp(`holds running processes of another application \\(${one.root}\\), not of ${two.root}: refusing`);
    for (const command of [['start'], ['kill']]) {
      const result = await cli(two, command);
      assert.equal(result.code, 1, `${command.join(' ')}: ${result.stdout}`);
      assert.match(result.stderr, theirs, command.join(' '));
    }
    assert.equal(isAlive(worker!.pid!), true, "the other application's worker was left alone");
    const adopted = await cli(one, ['start']);
    assert.equal(adopted.code, 0, adopted.stderr);
    assert.deepEqual((await status(one)).instances.worker?.map((i) => i.pid), [worker!.pid]);
    await stopAll(one);
  });
});

/** A process of `nobody` whose title is `title`, as a local user can make one. */
async function forgedSupervisor(title: string): Promise<ChildProcess> {
  const child = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'bash', '-c', 'exec -a "$0" sleep 300', title], { stdio: 'ignore' });
  await waitFor(() => {
    try {
      return readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').startsWith(`${title}\0`);
    } catch {
      return false;
    }
  }, 5000, 'the forged title');
  return child;
}

describe('kill after the supervisor died', () => {
  it('is neither stopped nor turned against a process that took the pid and a supervisor title', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const supervisor = Number(a.read('pids/procodile.pid'));
    process.kill(supervisor, 'SIGKILL');
    await waitFor(() => !isAlive(supervisor), 5000, 'the supervisor to die');
    // The pid is handed to a local user's process, titled as the supervisor of another root
    // (here, procodile.pid is pointed at it: the same as the pid coming round to it).
    const other = await forgedSupervisor('[procodile] other (/srv/other)');
    const own = await forgedSupervisor(`[procodile] app (${a.root})`);
    try {
      writeFileSync(a.path('pids/procodile.pid'), `${other.pid}\n`);
      const killed = await cli(a, ['kill']);
      assert.equal(killed.code, 0, killed.stderr);
      assert.match(killed.stdout, new RegExp(`Sent KILL -9 to ${web!.pid} \\(web\\.1\\)`));
      assert.match(killed.stderr, new RegExp(`Left PID ${other.pid} \\(procodile\\) alone`));
      await waitFor(() => !isAlive(web!.pid!), 5000, 'web.1 killed');
      assert.equal(isAlive(other.pid!), true, 'the forged process is not killed');
      // One that names this very root is not the supervisor either: it is left alone.
      writeFileSync(a.path('pids/procodile.pid'), `${own.pid}\n`);
      const again = await cli(a, ['kill']);
      assert.equal(again.code, 0, again.stderr);
      assert.doesNotMatch(again.stdout, new RegExp(`Sent KILL -9 to ${own.pid}`));
      assert.equal(isAlive(own.pid!), true, 'the process titled with this root is not killed');
    } finally {
      await Promise.all([ended(other), ended(own)]);
    }
  });
});

describe('output and deadlines', () => {
  it('lets a slow reader of status --json get every byte', async () => {
    const big = Array.from({ length: 100 }, (_, i) => `  BIG_${i}: "${'x'.repeat(2000)}"\n`).join('');
    const a = makeApp({ Procfile: 'web: sleep 300\n', 'Procfile.options': `env:\n${big}` });
    await startDaemon(a);
    const out = a.path('status.json');
    const piped = await new Promise<number | null>((resolve) => {
      const child = spawn('sh', ['-c', `"$0" -- "$1" status --json | (sleep 1; cat > "$2")`, process.execPath, CLI, out], {
        cwd: a.root,
        stdio: 'ignore',
      });
      child.on('exit', resolve);
    });
    assert.equal(piped, 0);
    const text = readFileSync(out, 'utf8');
    assert.ok(text.length > 200_000, `got ${text.length} bytes`);
    assert.equal(Object.keys((JSON.parse(text) as StatusReply).environment_variables).length, 100);
    await stopAll(a);
  });

  it('lets a slow reader of log -n get every line', async () => {
    const line = 'a log line long enough to fill a pipe quickly 0123456789\n';
    const a = makeApp({ Procfile: 'web: sleep 300\n', 'web.log': line.repeat(20_000) });
    const out = a.path('log.txt');
    const piped = await new Promise<number | null>((resolve) => {
      const child = spawn('sh', ['-c', `"$0" -- "$1" log -n 20000 -p web | (sleep 1; cat > "$2")`, process.execPath, CLI, out], {
        cwd: a.root,
        stdio: 'ignore',
      });
      child.on('exit', resolve);
    });
    assert.equal(piped, 0);
    const lines = readFileSync(out, 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'the last line is whole');
    assert.equal(lines.length, 20_000);
    assert.ok(lines.every((printed) => printed.endsWith(line.trimEnd())), 'every line whole');
  });

  it('gives up on a stopped supervisor within the deadline, saying what it waited for', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    await startDaemon(a);
    await waitForRunning(a, 'web', 1);
    const pid = Number(a.read('pids/procodile.pid'));
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const result = await cli(a, ['stop'], { PROCODILE_CONTROL_TIMEOUT: '1' });
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, new RegExp(`The supervisor \\(PID ${pid}\\) did not answer 'stop' within 1s; it may be stuck or stopped`));
      assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await stopAll(a);
  });

  it('gives up on stop --wait after its deadline, naming the instance still running', async () => {
    const a = makeApp({
      Procfile: 'web: sh ignore-term.sh\n',
      'ignore-term.sh': 'trap "" TERM\nwhile :; do sleep 1; done\n',
      'Procfile.options': 'processes:\n  web:\n    stop_timeout: 60\n',
    });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const result = await cli(a, ['stop', '-p', 'web', '--wait'], { PROCODILE_WAIT_TIMEOUT: '1' });
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, new RegExp(`Gave up after 1s waiting for web\\.1 \\(PID ${web!.pid}\\) to stop`));
    assert.ok(isAlive(web!.pid!), 'the instance still ignores TERM');
    const killed = await cli(a, ['kill']);
    assert.equal(killed.code, 0, killed.stderr);
  });
});
