// End-to-end tests of `procodile log`: Ruby's tail semantics (as in Procodile, Q3, Q4).
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { makeApp, OutputWatcher, runCli, spawnCli, type TestApp } from '../helpers/app.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.cleanup();
  app = undefined;
});

function numbered(prefix: string, from: number, to: number): string {
  let text = '';
  for (let i = from; i <= to; i++) text += `${prefix} ${i}\n`;
  return text;
}

function setup(files: Record<string, string> = {}): TestApp {
  app = makeApp({
    Procfile: 'web: sleep 1000\nworker: sleep 1000\n',
    'Procfile.options': 'processes:\n  web:\n    log_path: log/web.log\n',
    ...files,
  });
  return app;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

/** The lines without their `HH:MM:SS name | ` prefix, each as `name: text`. */
function bodies(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = /^\d\d:\d\d:\d\d (\S+)\s+\| (.*)$/.exec(line);
      return m === null ? `raw: ${line}` : `${m[1]}: ${m[2]}`;
    });
}

describe('log', () => {
  it('prints the last 10 lines of the supervisor log with --supervisor', async () => {
    const a = setup({ 'procodile.log': numbered('supervisor', 1, 30) });
    const result = await runCli(['log', '--supervisor'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, numbered('supervisor', 21, 30));
  });

  it('prints the last N lines with -n', async () => {
    const a = setup({ 'procodile.log': numbered('supervisor', 1, 30) });
    const result = await runCli(['log', '--supervisor', '-n', '3'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'supervisor 28\nsupervisor 29\nsupervisor 30\n');
    const none = await runCli(['log', '--supervisor', '--lines', '0'], { cwd: a.root });
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, '');
  });

  it('merges every process log, prefixed with the process name, by default', async () => {
    const a = setup({ 'procodile.log': 'supervisor\n', 'log/web.log': numbered('web', 1, 3), 'worker.log': 'worker 1\nunfinished' });
    const result = await runCli(['log', '-n', '2'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(bodies(result.stdout), ['web: web 2', 'web: web 3', 'worker: worker 1', 'worker: unfinished']);
  });

  it('rejects a line count that is not a whole number', async () => {
    const a = setup({ 'procodile.log': 'x\n' });
    for (const bad of ['abc', '-1', '2.5']) {
      const result = await runCli(['log', '--supervisor', `--lines=${bad}`], { cwd: a.root });
      assert.equal(result.code, 1, `-n ${bad}: ${result.stderr}`);
      assert.match(result.stderr, /Error: .*lines/i);
      assert.equal(result.stdout, '');
    }
  });

  it("prints a process's own log with -p", async () => {
    const a = setup({ 'procodile.log': 'supervisor\n', 'log/web.log': numbered('web', 1, 5) });
    const result = await runCli(['log', '-p', 'web', '-n', '2'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(bodies(result.stdout), ['web: web 4', 'web: web 5']);
  });

  it('names the known processes for an unknown -p (Q4)', async () => {
    const a = setup({ 'procodile.log': 'x\n' });
    const result = await runCli(['log', '-p', 'nope'], { cwd: a.root });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Error: Invalid process name 'nope'/);
    assert.match(result.stderr, /web, worker/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('reports a missing log file', async () => {
    const a = setup();
    const result = await runCli(['log'], { cwd: a.root });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`Error: No log file found \\(looked for ${a.path('log', 'web.log')}, ${a.path('worker.log')}\\)`));
    const web = await runCli(['log', '-p', 'web'], { cwd: a.root });
    assert.equal(web.code, 1);
    assert.match(web.stderr, new RegExp(`Error: No file found at ${a.path('log', 'web.log')}`));
  });

  it('with -f prints the last lines, then appended lines, across a truncation; SIGTERM ends it with 0', async () => {
    const a = setup({ 'procodile.log': numbered('old', 1, 20) });
    const log = a.path('procodile.log');
    const child = spawnCli(['log', '--supervisor', '-f', '-n', '2'], { cwd: a.root });
    const exited = exitOf(child);
    const output = new OutputWatcher(child);
    try {
      await output.waitFor('old 20\n');
      appendFileSync(log, 'new 1\n');
      await output.waitFor('new 1\n');
      truncateSync(log, 0);
      appendFileSync(log, 'after truncate\n');
      await output.waitFor('after truncate\n');
      assert.equal(output.text, 'old 19\nold 20\nnew 1\nafter truncate\n');
      child.kill('SIGTERM');
      assert.deepEqual(await exited, { code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('with -f -p follows a process log and stops on SIGINT with 0', async () => {
    const a = setup({ 'log/web.log': 'first\n' });
    const child = spawnCli(['log', '-p', 'web', '-f'], { cwd: a.root });
    const exited = exitOf(child);
    const output = new OutputWatcher(child);
    try {
      await output.waitFor('first\n');
      appendFileSync(a.path('log', 'web.log'), 'second\n');
      await output.waitFor('second\n');
      assert.deepEqual(bodies(output.text), ['web: first', 'web: second']);
      child.kill('SIGINT');
      assert.deepEqual(await exited, { code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('log -p and --grep', () => {
  function perInstance(): TestApp {
    return setup({
      'Procfile.options': 'processes:\n  web:\n    log_path: log/web.log\n    log_per_instance: true\n',
      'log/web.1.log': 'one a\none b\n',
      'log/web.2.log': 'two a\n',
      'worker.log': 'w a\nw b\n',
    });
  }

  it('takes a list of processes and instances', async () => {
    const a = perInstance();
    const list = await runCli(['log', '-p', 'web,worker'], { cwd: a.root });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(bodies(list.stdout), ['web.1: one a', 'web.1: one b', 'web.2: two a', 'worker: w a', 'worker: w b']);
    const one = await runCli(['log', '-p', 'web.2'], { cwd: a.root });
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(bodies(one.stdout), ['web.2: two a']);
    const mixed = await runCli(['log', '-p', 'web.1,worker', '-n', '1'], { cwd: a.root });
    assert.deepEqual(bodies(mixed.stdout), ['web.1: one b', 'worker: w b']);
  });

  it('refuses an instance of a process whose instances share one log, and says what to do', async () => {
    const a = perInstance();
    const result = await runCli(['log', '-p', 'worker.1'], { cwd: a.root });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Error: The instances of worker share .*worker\.log.*log_per_instance: true/);
    const unknown = await runCli(['log', '-p', 'web,nope.1'], { cwd: a.root });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Invalid process name 'nope\.1'/);
  });

  it('--grep keeps the matching lines only, and refuses a broken pattern', async () => {
    const a = perInstance();
    const result = await runCli(['log', '--grep', 'a$'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(bodies(result.stdout), ['web.1: one a', 'web.2: two a', 'worker: w a']);
    const bad = await runCli(['log', '--grep', '('], { cwd: a.root });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Invalid --grep pattern '\('/);
  });

  it('-f follows every process across rotations, and picks up a new instance', async () => {
    const a = perInstance();
    const child = spawnCli(['log', '-f', '-n', '1'], { cwd: a.root });
    const exited = exitOf(child);
    const output = new OutputWatcher(child);
    try {
      await output.waitFor('w b\n');
      // Rotated the way the log writer does it: renamed away after its last line, a new file begun.
      appendFileSync(a.path('worker.log'), 'w c\n');
      await output.waitFor('w c\n');
      appendFileSync(a.path('worker.log'), 'w d\n');
      renameSync(a.path('worker.log'), a.path('worker.log.1'));
      appendFileSync(a.path('worker.log'), 'w e\n');
      appendFileSync(a.path('log', 'web.1.log'), 'one c\n');
      writeFileSync(a.path('log', 'web.3.log'), 'three a\n');
      await output.waitFor('w e\n');
      await output.waitFor('three a\n');
      await output.waitFor('one c\n');
      const lines = bodies(output.text);
      assert.deepEqual(lines.filter((l) => l.startsWith('worker')), ['worker: w b', 'worker: w c', 'worker: w d', 'worker: w e']);
      assert.deepEqual(lines.filter((l) => l.startsWith('web')).sort(), ['web.1: one b', 'web.1: one c', 'web.2: two a', 'web.3: three a']);
      child.kill('SIGTERM');
      assert.deepEqual(await exited, { code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
