// End-to-end tests of `exec`/`run` and `console` through the built CLI (as in Procodile, D2, D9).
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeApp, OutputWatcher, runCli, spawnCli, waitFor, type TestApp } from '../helpers/app.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.cleanup();
  app = undefined;
});

function setup(options = ''): TestApp {
  app = makeApp({ Procfile: 'web: sleep 1000\n', 'Procfile.options': options });
  return app;
}

const quiet = { PROCODILE_EXEC_QUIET: '1' };

describe('exec and run', () => {
  it('passes the exit code of the command through', async () => {
    const a = setup();
    const result = await runCli(['run', '--', "sh -c 'exit 3'"], { cwd: a.root, env: quiet });
    assert.equal(result.code, 3, result.stderr);
    assert.equal(result.stderr, '');
  });

  it('keeps the words the shell already split, quotes and all', async () => {
    const a = setup();
    const result = await runCli(['run', '--', 'sh', '-c', 'echo "$0 and $1"; exit 4', 'first word', "it's"], {
      cwd: a.root,
      env: quiet,
    });
    assert.equal(result.code, 4, result.stderr);
    assert.equal(result.stdout, "first word and it's\n");
  });

  it('runs `exec ls -la` directly in the application root', async () => {
    const a = setup();
    const result = await runCli(['exec', 'ls', '-la'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Procfile\.options\n/);
    assert.match(result.stderr, /^Running with ls -la\n/);
  });

  it('runs from the root given with --root, whatever the current directory', async () => {
    const a = setup();
    const result = await runCli(['--root', a.root, 'run', 'pwd'], { cwd: '/', env: quiet });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${a.root}\n`);
  });

  it('reads -r ROOT given after exec/run, from another directory', async () => {
    const a = setup();
    for (const argv of [
      ['run', '-r', a.root, '--', 'pwd'],
      ['exec', '--root', a.root, 'pwd'],
      ['run', '-r', a.root, '--', 'sh', '-c', 'echo "$1"', 'sh', '-r'],
    ]) {
      const result = await runCli(argv, { cwd: '/', env: quiet });
      assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, argv.includes('pwd') ? `${a.root}\n` : '-r\n', argv.join(' '));
    }
  });

  it('sets APP_ROOT for exec, run and console as for processes', async () => {
    const a = setup('console_command: printenv APP_ROOT\n');
    for (const argv of [['run', 'printenv', 'APP_ROOT'], ['exec', 'sh -c "echo $APP_ROOT"'], ['console']]) {
      const result = await runCli(['-r', a.root, ...argv], { cwd: '/', env: { ...quiet, APP_ROOT: '' } });
      assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, `${a.root}\n`, argv.join(' '));
    }
  });

  it('gives the command the global env and prints it in the banner on stderr', async () => {
    const a = setup('env:\n  GREETING: hello world\n  RAILS_ENV: production\n');
    const result = await runCli(['run', 'echo "$GREETING/$RAILS_ENV"'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    // stdout carries only the command's output, so it can be piped.
    assert.equal(result.stdout, 'hello world/production\n');
    assert.equal(
      result.stderr,
      'Running with echo "$GREETING/$RAILS_ENV"\n' +
        '             GREETING hello world\n' +
        '             RAILS_ENV production\n',
    );
  });

  it('prints no banner when PROCODILE_EXEC_QUIET is 1, and one for any other value', async () => {
    const a = setup('env:\n  A: b\n');
    const silent = await runCli(['run', 'true'], { cwd: a.root, env: { PROCODILE_EXEC_QUIET: '1' } });
    assert.equal(silent.code, 0, silent.stderr);
    assert.equal(silent.stderr, '');
    // Q15: a non-numeric value is not an error, it is just not "quiet".
    const loud = await runCli(['run', 'true'], { cwd: a.root, env: { PROCODILE_EXEC_QUIET: 'yes' } });
    assert.equal(loud.code, 0, loud.stderr);
    assert.match(loud.stderr, /^Running with true\n {13}A b\n$/);
  });

  it('does not pass launcher variables on (D9)', async () => {
    const a = setup('env:\n  KEPT: yes\n');
    const result = await runCli(['run', 'env'], {
      cwd: a.root,
      env: {
        ...quiet,
        npm_config_registry: 'https://registry.example/',
        npm_lifecycle_event: 'start',
        INIT_CWD: '/somewhere',
        PROCODILE_DAEMON_CHILD: '1',
        PATH: `${a.root}/node_modules/.bin:${process.env.PATH ?? '/usr/bin:/bin'}`,
      },
    });
    assert.equal(result.code, 0, result.stderr);
    const vars = new Map(
      result.stdout
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    for (const key of vars.keys()) assert.ok(!key.startsWith('npm_'), `${key} leaked`);
    assert.equal(vars.has('INIT_CWD'), false);
    assert.equal(vars.has('PROCODILE_DAEMON_CHILD'), false);
    assert.equal(vars.get('KEPT'), 'yes');
    assert.ok(!(vars.get('PATH') ?? '').includes('node_modules/.bin'), vars.get('PATH'));
  });

  it('prepends exec_prefix, and runs the prefix alone for an empty command', async () => {
    const a = setup('exec_prefix: echo prefixed\n');
    const withWords = await runCli(['run', 'one', 'two'], { cwd: a.root });
    assert.equal(withWords.code, 0, withWords.stderr);
    assert.equal(withWords.stdout, 'prefixed one two\n');
    assert.match(withWords.stderr, /^Running with echo prefixed one two\n/);
    const alone = await runCli(['run'], { cwd: a.root, env: quiet });
    assert.equal(alone.code, 0, alone.stderr);
    assert.equal(alone.stdout, 'prefixed\n');
  });

  it('refuses an empty command', async () => {
    const a = setup();
    const result = await runCli(['exec'], { cwd: a.root });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Error: You need to specify a command to run \(e\.g\. procodile run -- rake db:migrate\)/);
    assert.equal(result.stdout, '');
  });

  it('reports a program that cannot be run, without a stack trace', async () => {
    const a = setup();
    const missing = await runCli(['run', 'no-such-program-pc', '--flag'], { cwd: a.root, env: quiet });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error: Couldn't run 'no-such-program-pc': No such file or directory/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
    a.write({ 'not-executable': 'echo hi\n' });
    const denied = await runCli(['run', './not-executable'], { cwd: a.root, env: quiet });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /Error: Couldn't run '\.\/not-executable': Permission denied/);
  });

  it('passes the shell’s 127 through for a missing program in a shell command', async () => {
    const a = setup();
    const result = await runCli(['run', 'no-such-program-pc "$HOME"'], { cwd: a.root, env: quiet });
    assert.equal(result.code, 127);
    assert.doesNotMatch(result.stderr, /Error:/);
  });

  it('dies of the signal that killed the command', async () => {
    const a = setup();
    const result = await runCli(['run', 'kill -TERM $$'], { cwd: a.root, env: quiet });
    assert.equal(result.code, null);
    assert.equal(result.signal, 'SIGTERM');
  });

  it('forwards SIGTERM to the command and exits with its code', async () => {
    const a = setup();
    const child = spawnCli(
      ['run', 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done'],
      { cwd: a.root, env: quiet },
    );
    const output = new OutputWatcher(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await output.waitFor('ready');
      child.kill('SIGTERM');
      assert.equal(await exited, 7);
      assert.match(output.text, /got-term/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('survives a SIGINT sent to it alone while the command runs', async () => {
    const a = setup();
    // The terminal would deliver Ctrl-C to the command as well; here only we get it, so the
    // command decides when it is done.
    const child = spawnCli(['run', 'echo ready; read line; echo "got $line"'], { cwd: a.root, env: quiet });
    const output = new OutputWatcher(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await output.waitFor('ready');
      child.kill('SIGINT');
      child.stdin?.end('done\n');
      assert.equal(await exited, 0);
      await waitFor(() => output.text.includes('got done'), 5000, 'the command to finish');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('console', () => {
  it('runs console_command with the banner', async () => {
    const a = setup('console_command: echo console-ran\nenv:\n  X: y\n');
    const result = await runCli(['console'], { cwd: a.root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'console-ran\n');
    assert.equal(result.stderr, 'Running with echo console-ran\n             X y\n');
  });

  it('prepends exec_prefix to console_command', async () => {
    const a = setup('console_command: console-ran\nexec_prefix: echo\n');
    const result = await runCli(['console'], { cwd: a.root, env: quiet });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'console-ran\n');
  });

  it('explains how to configure a console when none is set', async () => {
    const a = setup();
    const result = await runCli(['console'], { cwd: a.root });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /Error: No console command has been configured in the Procfile\. Add console_command to Procfile\.options or Procfile\.local\./,
    );
  });
});
