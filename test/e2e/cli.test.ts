// The command line as a new user meets it: help, versions, and one clear error for every
// broken configuration, never a stack trace.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appsCleanedAfterEach, runCli } from '../helpers/app.js';

const app = appsCleanedAfterEach();

function assertCleanError(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^Error: /);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
}

describe('help and version', () => {
  it('lists every command with `help` and with no arguments', async () => {
    for (const args of [['help'], []]) {
      const result = await runCli(args, { cwd: '/' });
      assert.equal(result.code, 0);
      for (const command of ['check_concurrency', 'console', 'exec', 'kill', 'log', 'reload', 'restart', 'run', 'start', 'status', 'stop']) {
        assert.match(result.stdout, new RegExp(`^  ${command} +\\S`, 'm'), command);
      }
      assert.match(result.stdout, /procodile start --help/);
    }
  });

  it('shows a command’s options with --help, from anywhere, on stdout with a final newline', async () => {
    const result = await runCli(['start', '--help'], { cwd: '/' });
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^Usage: procodile start \[options\]/);
    assert.match(result.stdout, /Global options \(can be used before or after the subcommand\):/);
    assert.match(result.stdout, /Subcommand options:/);
    assert.match(result.stdout, /[^\n]\n$/);
    for (const flag of ['--foreground', '--dev', '--env-file', '--no-respawn', '--stop-when-none', '--clean', '--ports']) {
      assert.ok(result.stdout.includes(flag), flag);
    }
  });

  it('shows a command’s options with `help COMMAND` too, and refuses an unknown one', async () => {
    const result = await runCli(['help', 'stop'], { cwd: '/' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, (await runCli(['stop', '--help'], { cwd: '/' })).stdout);
    const unknown = await runCli(['help', 'stpo'], { cwd: '/' });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Invalid command `stpo'/);
  });

  it('prints the version on stdout, so it can be piped', async () => {
    for (const flag of ['-v', '--version']) {
      const result = await runCli([flag], { cwd: '/' });
      assert.equal(result.code, 0);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /^\d+\.\d+\.\d+ \(rev \w+\)\n$/);
    }
  });

  it('rejects unknown commands, options and stray arguments', async () => {
    assertCleanError(await runCli(['bogus'], { cwd: '/' }), /Invalid command `bogus'/);
    const option = await runCli(['start', '--bogus'], { cwd: '/' });
    assert.equal(option.code, 1);
    assert.match(option.stderr, /^Invalid option: --bogus\n\nUsage: procodile start/);
    const missing = await runCli(['status', '-r'], { cwd: '/' });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Missing option for -r\n/);
    assertCleanError(await runCli(['start', 'worker.1'], { cwd: '/' }), /Use `-p\/--processes` to target processes/);
  });
});

describe('configuration errors', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['no Procfile', {}, /Could not find Procfile in .*\/Procfile/],
    ['an empty Procfile', { Procfile: '  \n' }, /Procfile/],
    ['YAML syntax', { Procfile: 'web: echo "a: b"\n  bad: [\n' }, /Procfile:\d+/],
    ['a duplicate name', { Procfile: 'web: a\nWEB: b\n' }, /Duplicate process name/],
    ['an unknown key', { Procfile: 'web: a\n', 'Procfile.options': 'app_nmae: x\n' }, /Procfile\.options:1.*app_nmae.*app_name/],
    ['a wrong type', { Procfile: 'web: a\n', 'Procfile.options': 'processes:\n  web:\n    quantity: two\n' }, /Procfile\.options:3.*quantity/],
    ['an unknown process', { Procfile: 'web: a\n', 'Procfile.local': 'processes:\n  wbe:\n    quantity: 1\n' }, /Unknown process 'wbe'.*Procfile\.local/],
    ['a bad restart mode', { Procfile: 'web: a\n', 'Procfile.options': 'processes:\n  web:\n    restart_mode: TERM\n' }, /restart_mode/],
    ['a bad signal', { Procfile: 'web: a\n', 'Procfile.options': 'processes:\n  web:\n    term_signal: SIGNOPE\n' }, /term_signal/],
  ];
  for (const [what, files, pattern] of cases) {
    it(`reports ${what} clearly and starts nothing`, async () => {
      const a = app(files);
      const result = await runCli(['start'], { cwd: a.root, env: { PROCODILE_CONFIG: a.path('no-global-config') } });
      assertCleanError(result, pattern);
      assert.doesNotMatch(result.stdout, /Started/);
    });
  }

  it('answers status with NotRunning when no supervisor runs', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    const simple = await runCli(['status', '--simple'], { cwd: a.root });
    assert.equal(simple.code, 0);
    assert.equal(simple.stdout, "NotRunning || Procodile supervisor isn't running\n");
    assertCleanError(await runCli(['status'], { cwd: a.root }), /Procodile supervisor isn't running/);
    assertCleanError(await runCli(['stop'], { cwd: a.root }), /Procodile supervisor isn't running/);
    assertCleanError(await runCli(['start', '--no-supervisor'], { cwd: a.root }), /--no-supervisor/);
  });

  it('names the setting when the pid or log directory cannot be created', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'pid_root: Procfile/pids\n' });
    assertCleanError(await runCli(['status'], { cwd: a.root }), /Cannot use .*Procfile\/pids as the pid directory: .*not a directory.*pid_root/);
    a.write({ 'Procfile.options': 'log_root: Procfile/log\n' });
    assertCleanError(await runCli(['start'], { cwd: a.root }), /Cannot create .*Procfile\/log \(log_root\): .*not a directory\. Set log_root/);
  });

  it('rejects an unknown process name given to start', async () => {
    const a = app({ Procfile: 'web: sleep 300\n' });
    assertCleanError(await runCli(['start', '-p', 'wbe'], { cwd: a.root }), /Unknown process 'wbe'/);
  });
});

describe('finding the application', () => {
  it('offers a chooser when the global configuration lists several applications', async () => {
    const one = app({ Procfile: 'web: a\n' });
    const two = app({ Procfile: 'web: b\n' });
    const global = app({ 'apps.yml': `- name: first\n  root: ${one.root}\n- name: second\n  root: ${two.root}\n` });
    const env = { PROCODILE_CONFIG: global.path('apps.yml') };
    const chosen = await runCli(['status', '--simple'], { cwd: '/', env, input: '2\n' });
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.match(chosen.stdout, /There are multiple applications configured in .*apps\.yml/);
    assert.match(chosen.stdout, /1\) first +2\) second/);
    assert.match(chosen.stdout, /NotRunning \|\| Procodile supervisor isn't running/);
    const byId = await runCli(['check'], { cwd: '/', env: { ...env, PROCODILE_APP_ID: '1' } });
    assert.equal(byId.code, 0, byId.stderr);
    assert.ok(byId.stdout.includes(two.root), 'PROCODILE_APP_ID picks the second (0-based) entry');
    assertCleanError(await runCli(['status'], { cwd: '/', env, input: '7\n' }), /Invalid app number: 7/);
  });

  it('re-runs itself through sudo as the configured user', async () => {
    const a = app({ Procfile: 'web: a\n', 'Procfile.options': 'user: nobody\n' });
    a.write({ 'bin/sudo.sh': '#!/bin/sh\necho "sudo $*" > "$(dirname "$0")/../sudo-args"\nexit 5\n' });
    const { renameSync } = await import('node:fs');
    renameSync(a.path('bin/sudo.sh'), a.path('bin/sudo'));
    const result = await runCli(['status'], { cwd: a.root, env: { USER: 'someone', PATH: `${a.path('bin')}:${process.env.PATH ?? ''}` } });
    assert.equal(result.code, 5, 'the exit status of the re-run is passed on');
    assert.match(result.stderr, /Procodile must be run as nobody\. Re-executing as nobody\.\.\./);
    assert.match(a.read('sudo-args'), /^sudo -H -u nobody -- \S+ -- \S+procodile\.cjs status\n$/);
  });
});

describe('check and systemd', () => {
  it('validates the configuration and finds conflicts between applications', async () => {
    const one = app({ Procfile: 'web: a\n', 'Procfile.options': 'pid_root: /tmp/pc-shared-pids\n' });
    const two = app({ Procfile: 'web: b\n', 'Procfile.options': 'pid_root: /tmp/pc-shared-pids\n' });
    const ok = await runCli(['check'], { cwd: one.root });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `ok      ${one.root}: 1 process\n`);
    const global = app({ 'procodile.yml': `- name: one\n  root: ${one.root}\n- name: two\n  root: ${two.root}\n` });
    const all = await runCli(['check', '--all'], { cwd: '/', env: { PROCODILE_CONFIG: global.path('procodile.yml') } });
    assert.equal(all.code, 1);
    assert.match(all.stdout, /conflict .*pid/i);
  });

  it('reports a user: that does not exist, as every other command does', async () => {
    const missing = 'pc-no-such-user';
    const a = app({ Procfile: 'web: a\n', 'Procfile.options': `user: ${missing}\n` });
    const check = await runCli(['check'], { cwd: a.root });
    assert.equal(check.code, 1, check.stdout);
    assert.match(check.stdout, new RegExp(`error +${a.root}: The user '${missing}' \\(the user option in ${a.root}/Procfile\\.options`));
    const global = app({ 'procodile.yml': `- name: one\n  root: ${a.root}\n` });
    const all = await runCli(['check', '--all'], { cwd: '/', env: { PROCODILE_CONFIG: global.path('procodile.yml') } });
    assert.equal(all.code, 1, all.stdout);
    assert.match(all.stdout, new RegExp(`error +one: The user '${missing}'`));
    const status = await runCli(['status'], { cwd: a.root });
    assert.match(status.stderr, new RegExp(`The user '${missing}'`), 'the message check gives is the one status gives');
  });

  it('prints a unit for systemd in both modes', async () => {
    const a = app({ Procfile: 'web: a\n' });
    const simple = await runCli(['systemd', '--user'], { cwd: a.root, env: { PATH: '/nonexistent' } });
    assert.equal(simple.code, 0, simple.stderr);
    assert.match(simple.stdout, /^Type=simple$/m);
    a.write({ 'bin/systemd-notify.sh': '#!/bin/sh\n' });
    const { renameSync } = await import('node:fs');
    renameSync(a.path('bin/systemd-notify.sh'), a.path('bin/systemd-notify'));
    const notify = await runCli(['systemd', '--user'], { cwd: a.root, env: { PATH: a.path('bin') } });
    assert.match(notify.stdout, /^Type=notify\nNotifyAccess=all$/m);
    assert.match(simple.stdout, new RegExp(`^ExecStart=\\S+ -- \\S+procodile\\.cjs -r ${a.root} start --foreground$`, 'm'));
    assert.match(simple.stdout, /^WantedBy=default\.target$/m);
    const oneshot = await runCli(['systemd', '--mode', 'oneshot'], { cwd: a.root });
    assert.match(oneshot.stdout, /^ExecStart=.* start --clean$/m);
    assert.match(oneshot.stdout, /^ExecStop=.* stop --stop-supervisor --wait$/m);
    assert.match(oneshot.stdout, /^RemainAfterExit=yes$/m);
    assert.match(oneshot.stdout, /^WantedBy=multi-user\.target$/m);
  });
});
