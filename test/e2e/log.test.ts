// End-to-end tests of `procodile log`: Ruby's tail semantics (spec 2.7, Q3, Q4).
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, truncateSync } from 'node:fs';
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

describe('log', () => {
  it('prints the last 10 lines of the supervisor log by default', async () => {
    const a = setup({ 'procodile.log': numbered('supervisor', 1, 30) });
    const result = await runCli(['log'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, numbered('supervisor', 21, 30));
  });

  it('prints the last N lines with -n', async () => {
    const a = setup({ 'procodile.log': numbered('supervisor', 1, 30) });
    const result = await runCli(['log', '-n', '3'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'supervisor 28\nsupervisor 29\nsupervisor 30\n');
    const none = await runCli(['log', '--lines', '0'], { cwd: a.root });
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, '');
  });

  it('does not add a newline the file does not have', async () => {
    const a = setup({ 'procodile.log': 'one\ntwo' });
    const result = await runCli(['log'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'one\ntwo');
  });

  it('rejects a line count that is not a whole number', async () => {
    const a = setup({ 'procodile.log': 'x\n' });
    for (const bad of ['abc', '-1', '2.5']) {
      const result = await runCli(['log', `--lines=${bad}`], { cwd: a.root });
      assert.equal(result.code, 1, `-n ${bad}: ${result.stderr}`);
      assert.match(result.stderr, /Error: .*lines/i);
      assert.equal(result.stdout, '');
    }
  });

  it("prints a process's own log with -p", async () => {
    const a = setup({ 'procodile.log': 'supervisor\n', 'log/web.log': numbered('web', 1, 5) });
    const result = await runCli(['log', '-p', 'web', '-n', '2'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'web 4\nweb 5\n');
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
    assert.match(result.stderr, new RegExp(`Error: No file found at ${a.path('procodile.log')}`));
    const web = await runCli(['log', '-p', 'web'], { cwd: a.root });
    assert.equal(web.code, 1);
    assert.match(web.stderr, new RegExp(`Error: No file found at ${a.path('log', 'web.log')}`));
  });

  it('with -f prints the last lines, then appended lines, across a truncation; SIGTERM ends it with 0', async () => {
    const a = setup({ 'procodile.log': numbered('old', 1, 20) });
    const log = a.path('procodile.log');
    const child = spawnCli(['log', '-f', '-n', '2'], { cwd: a.root });
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
      assert.equal(output.text, 'first\nsecond\n');
      child.kill('SIGINT');
      assert.deepEqual(await exited, { code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
