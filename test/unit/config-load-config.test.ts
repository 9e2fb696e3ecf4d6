// Tests for loadConfig: defaults, the full fixture, the root override and every error path.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import type { AppConfig, AppLocation } from '../../src/config/types.js';
import { FULL_OPTIONS } from '../helpers/fixtures.js';
import { tempTree } from '../helpers/temp-tree.js';

const app = (files: Record<string, string>): string => tempTree(files);

function load(location: AppLocation): AppConfig {
  const result = loadConfig(location, { now: () => 1_700_000_000_500 });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

function failure(location: AppLocation): { code: string; message: string } {
  const result = loadConfig(location);
  assert.ok(!result.ok, 'expected an error');
  return result.error;
}

const FULL_PROCFILE = ['proc1', 'proc2', 'proc3', 'proc4'].map((name) => `${name}: ruby process.rb ${name}\n`).join('');

describe('loadConfig: fixture basic (scenarios 23-27)', () => {
  const root = app({ Procfile: 'web: ruby process.rb web\n' });
  const config = load({ root });

  it('derives file paths from the root', () => {
    assert.equal(config.root, root);
    assert.equal(config.procfilePath, `${root}/Procfile`);
    assert.equal(config.explicitProcfile, false);
    assert.equal(config.optionsPath, `${root}/Procfile.options`);
    assert.equal(config.localOptionsPath, `${root}/Procfile.local`);
  });

  it('applies the defaults', () => {
    assert.equal(config.appName, 'Procodile');
    assert.deepEqual(config.env, {});
    assert.equal(config.pidRoot, `${root}/pids`);
    assert.equal(config.sockPath, `${root}/pids/procodile.sock`);
    assert.equal(config.supervisorPidPath, `${root}/pids/procodile.pid`);
    assert.equal(config.logPath, `${root}/procodile.log`);
    assert.equal(config.logRoot, undefined);
    assert.equal(config.loadedAt, 1_700_000_000);
    assert.deepEqual(config.processes, [
      {
        name: 'web',
        command: 'ruby process.rb web',
        color: 'magenta',
        quantity: 1,
        restartMode: 'term-start',
        maxRespawns: 5,
        respawnWindow: 3600,
        logPath: `${root}/web.log`,
        termSignal: 'SIGTERM',
        networkProtocol: 'tcp',
        randomDelay: 0,
        env: {},
        stopTimeout: 10,
        logRotation: { maxSize: 50 * 1024 * 1024, keep: 5, compress: false },
        logPerInstance: false,
        restart: 'always',
        minUptime: 5,
        maxBackoff: 60,
      },
    ]);
  });

  it('creates no directories', () => {
    assert.deepEqual(readdirSync(root), ['Procfile']);
  });

  it('strips trailing slashes from the root', () => {
    assert.equal(load({ root: `${root}/` }).root, root);
  });
});

describe('loadConfig: fixture full (scenarios 29-34, 41)', () => {
  const root = app({ Procfile: FULL_PROCFILE, 'Procfile.options': FULL_OPTIONS });
  const config = load({ root });

  it('reads the top-level options', () => {
    assert.equal(config.appName, 'specapp');
    assert.equal(config.pidRoot, `${root}/tmp/pids`);
    assert.equal(config.sockPath, `${root}/tmp/pids/procodile.sock`);
    assert.equal(config.supervisorPidPath, `${root}/tmp/pids/procodile.pid`);
    assert.equal(config.logPath, `${root}/log/procodile.log`);
    assert.equal(config.consoleCommand, 'irb -Ilib');
    assert.equal(config.execPrefix, 'bundle exec');
    assert.equal(config.env.FRUIT, 'apple');
    assert.equal(config.env.VEGETABLE, 'potato');
    assert.equal(config.env.PORT, '3000');
  });

  it('reads proc1 and leaves proc2 at the defaults', () => {
    const [proc1, proc2] = config.processes;
    assert.equal(proc1!.quantity, 2);
    assert.equal(proc1!.maxRespawns, 5);
    assert.equal(proc1!.respawnWindow, 3600);
    assert.ok(proc1!.logPath.endsWith('/proc1.log'));
    assert.equal(proc1!.logPath, `${root}/proc1.log`);
    assert.equal(proc1!.termSignal, 'SIGTERM');
    assert.equal(proc1!.restartMode, 'usr2');
    assert.equal(proc1!.allocatePortFrom, 3005);
    assert.equal(proc1!.proxyPort, 2018);
    assert.equal(proc1!.proxyAddress, '127.0.0.1');
    assert.equal(proc1!.networkProtocol, 'tcp');
    assert.equal(proc1!.randomDelay, 10);
    assert.equal(proc2!.quantity, 1);
    assert.equal(proc2!.restartMode, 'term-start');
    assert.equal(proc2!.randomDelay, 0);
    assert.equal(proc2!.proxyPort, undefined);
    assert.equal(proc2!.proxyAddress, undefined);
  });

  it('hands out colours in file order, cycling', () => {
    const many = app({ Procfile: Array.from({ length: 8 }, (_, i) => `p${i}: run ${i}\n`).join('') });
    assert.deepEqual(
      load({ root: many }).processes.map((p) => p.color),
      ['magenta', 'red', 'cyan', 'green', 'yellow', 'blue', 'magenta', 'red'],
    );
  });
});

describe('loadConfig: options and local', () => {
  it('lets Procfile.local win and merges env maps', () => {
    const root = app({
      Procfile: 'web: serve\nworker: work\n',
      'Procfile.options': 'app_name: base\nenv: {A: a, B: b}\nprocesses:\n  web: {quantity: 2, env: {X: "1"}}\n',
      'Procfile.local':
        'app_name: local\nenv: {B: local}\nprocesses:\n' + '  web: {env: {Y: "2"}}\n  worker: {quantity: 0}\n',
    });
    const config = load({ root });
    assert.equal(config.appName, 'local');
    assert.deepEqual(config.env, { A: 'a', B: 'local' });
    assert.equal(config.processes[0]!.quantity, 2);
    assert.deepEqual(config.processes[0]!.env, { X: '1', Y: '2' });
    assert.equal(config.processes[1]!.quantity, 0);
  });

  it('resolves log paths: log_root, log_file_name and per-process log_path', () => {
    const root = app({
      Procfile: 'web: serve\nworker: work\nclock: tick\n',
      'Procfile.options':
        'log_root: log\nprocesses:\n  web: {log_file_name: www.txt}\n  worker: {log_path: /var/tmp/worker.out}\n',
    });
    const config = load({ root });
    assert.equal(config.logRoot, `${root}/log`);
    assert.equal(config.logPath, `${root}/log/procodile.log`);
    assert.deepEqual(
      config.processes.map((p) => p.logPath),
      [`${root}/log/www.txt`, '/var/tmp/worker.out', `${root}/log/clock.log`],
    );
    const withLogPath = app({ Procfile: 'web: x\n', 'Procfile.options': 'log_root: logs\nlog_path: sup.log\n' });
    assert.equal(load({ root: withLogPath }).logPath, `${withLogPath}/sup.log`);
  });

  it('takes stop_timeout from the process, then the top level, then the default', () => {
    const root = app({
      Procfile: 'a: x\nb: y\n',
      'Procfile.options': 'stop_timeout: 20\nprocesses:\n  a: {stop_timeout: 3}\n',
    });
    assert.deepEqual(load({ root }).processes.map((p) => p.stopTimeout), [3, 20]);
  });

  it('reads schedules, and lets the at option win over the Procfile key', () => {
    const root = app({
      Procfile:
        'job1__AT__*/5 * * * * *: echo 1\n' +
        'job2__AT__*/10 * * * * *: echo 2\n' +
        'job__aT__daily: echo 3\n' +
        'web: serve\n',
      'Procfile.options': 'processes:\n  job2: {at: "0 3 * * *"}\n  web: {at: "@hourly"}\n',
    });
    const config = load({ root });
    assert.deepEqual(
      config.processes.map((p) => [p.name, p.schedule]),
      [
        ['job1', '*/5 * * * * *'],
        ['job2', '0 3 * * *'],
        ['job__aT__daily', undefined],
        ['web', '@hourly'],
      ],
    );
  });

  it('uses an explicit Procfile and the option files next to it', () => {
    const root = app({ 'config/PFile': 'web: x\n', 'config/PFile.options': 'app_name: named\n' });
    const config = load({ root, procfile: `${root}/config/PFile` });
    assert.equal(config.procfilePath, `${root}/config/PFile`);
    assert.equal(config.explicitProcfile, true);
    assert.equal(config.optionsPath, `${root}/config/PFile.options`);
    assert.equal(config.localOptionsPath, `${root}/config/PFile.local`);
    assert.equal(config.appName, 'named');
    assert.equal(config.root, root);
  });
});

describe('loadConfig: root override (as in Procodile)', () => {
  it('re-derives everything from the new root, including the Procfile', () => {
    const target = app({ Procfile: 'real: run\n' });
    const root = app({ Procfile: 'decoy: x\n', 'Procfile.options': `root: ${target}\npid_root: run/pids\n` });
    const config = load({ root });
    assert.equal(config.root, target);
    assert.equal(config.procfilePath, `${target}/Procfile`);
    assert.equal(config.optionsPath, `${root}/Procfile.options`);
    assert.equal(config.pidRoot, `${target}/run/pids`);
    assert.equal(config.logPath, `${target}/procodile.log`);
    assert.deepEqual(config.processes.map((p) => [p.name, p.logPath]), [['real', `${target}/real.log`]]);
  });

  it('lets the local file win and resolves a relative root against the original one', () => {
    const root = app({
      Procfile: 'x: y\n',
      'Procfile.options': 'root: nowhere\n',
      'Procfile.local': 'root: sub\n',
      'sub/Procfile': 'inner: z\n',
    });
    const config = load({ root });
    assert.equal(config.root, `${root}/sub`);
    assert.equal(config.processes[0]!.name, 'inner');
  });

  it('keeps an explicitly given Procfile', () => {
    const target = app({});
    const root = app({ PFile: 'web: x\n', 'PFile.options': `root: ${target}\n` });
    const config = load({ root, procfile: `${root}/PFile` });
    assert.equal(config.root, target);
    assert.equal(config.procfilePath, `${root}/PFile`);
  });

  it('reports a missing Procfile under the new root, naming the option', () => {
    const target = app({});
    const root = app({ Procfile: 'web: x\n', 'Procfile.local': `root: ${target}\n` });
    const error = failure({ root });
    assert.equal(error.code, 'PROCFILE_NOT_FOUND');
    assert.match(error.message, new RegExp(`Procfile not found at ${target}/Procfile`));
    assert.match(error.message, /Procfile\.local/);
  });
});

describe('loadConfig: the root is used as given (D1)', () => {
  it('does not resolve symlinks', () => {
    const real = app({ Procfile: 'web: x\n' });
    const holder = app({});
    symlinkSync(real, join(holder, 'current'));
    const config = load({ root: `${holder}/current` });
    assert.equal(config.root, `${holder}/current`);
    assert.equal(config.pidRoot, `${holder}/current/pids`);
    assert.equal(config.processes[0]!.logPath, `${holder}/current/web.log`);
  });

  it('keeps .. in relative option paths', () => {
    const root = app({ Procfile: 'web: x\n', 'Procfile.options': 'pid_root: ../shared/pids\n' });
    assert.equal(load({ root }).pidRoot, `${root}/../shared/pids`);
  });
});

describe('loadConfig: errors', () => {
  it('reports a missing Procfile (scenario 28)', () => {
    const root = app({});
    const error = failure({ root });
    assert.equal(error.code, 'PROCFILE_NOT_FOUND');
    assert.equal(error.message, `Procfile not found at ${root}/Procfile.`);
    const dir = app({ 'Procfile/x': '' });
    assert.equal(failure({ root: dir }).code, 'PROCFILE_NOT_FOUND');
  });

  it('reports an unknown process in Procfile.options with file and line', () => {
    const root = app({
      Procfile: 'web: x\n',
      'Procfile.options': 'app_name: a\nprocesses:\n  web: {}\n  wroker:\n    quantity: 2\n',
    });
    const error = failure({ root });
    assert.equal(error.code, 'UNKNOWN_PROCESS');
    assert.match(error.message, new RegExp(`^Unknown process 'wroker' in ${root}/Procfile\\.options\\.`));
    assert.match(error.message, /line 4/);
  });

  it('suggests the Procfile entry an unknown process name is a typo of', () => {
    const root = app({ Procfile: 'web: x\nworker: y\n', 'Procfile.options': 'processes:\n  wroker:\n    quantity: 2\n' });
    assert.match(failure({ root }).message, /did you mean 'worker'\?$/);
    const far = app({ Procfile: 'web: x\n', 'Procfile.options': 'processes:\n  scheduler: {}\n' });
    assert.match(failure({ root: far }).message, /add it to the Procfile or remove its options\.$/);
  });

  it('reports an unknown process in Procfile.local', () => {
    const root = app({ Procfile: 'job__AT__* * * * *: x\n', 'Procfile.local': 'processes:\n  job: {}\n  ghost: {}\n' });
    const error = failure({ root });
    assert.equal(error.code, 'UNKNOWN_PROCESS');
    assert.match(error.message, new RegExp(`Unknown process 'ghost' in ${root}/Procfile\\.local\\.`));
  });

  it('passes on option file errors with the file named', () => {
    const root = app({ Procfile: 'web: x\n', 'Procfile.options': 'processes:\n  web:\n    quantity: two\n' });
    const error = failure({ root });
    assert.equal(error.code, 'CONFIG_INVALID');
    const expected = `${root}/Procfile.options:3: processes.web.quantity must be a whole number from 0 to 1000, got "two"`;
    assert.equal(error.message, expected);
    const broken = app({ Procfile: 'web: x\n', 'Procfile.local': 'a: [\n' });
    const syntax = failure({ root: broken });
    assert.equal(syntax.code, 'YAML_SYNTAX');
    assert.match(syntax.message, new RegExp(`^${broken}/Procfile\\.local:1: invalid YAML`));
  });

  it('passes on Procfile errors', () => {
    assert.equal(failure({ root: app({ Procfile: '\n' }) }).code, 'PROCFILE_EMPTY');
    assert.equal(failure({ root: app({ Procfile: 'a: x\nA: y\n' }) }).code, 'CONFIG_INVALID');
  });

  it('reads nothing it does not need and writes nothing', () => {
    const root = app({ Procfile: 'web: x\n', 'Procfile.options': 'pid_root: deep/pids\nlog_root: deep/log\n' });
    load({ root });
    assert.equal(existsSync(join(root, 'deep')), false);
  });
});

describe('loadConfig: restart policy, backoff and hooks', () => {
  it('reads them per process; a process hook wins over the top-level one', () => {
    const root = app({
      Procfile: 'web: x\njob: y\n',
      'Procfile.options': [
        'on_crash: page-top',
        'on_failure: fail-top',
        'processes:',
        '  job:',
        '    restart: on-failure',
        '    min_uptime: 0',
        '    max_backoff: 2.5',
        '    on_crash: page-job',
        '',
      ].join('\n'),
    });
    const [web, job] = load({ root }).processes;
    assert.deepEqual(
      [web?.restart, web?.minUptime, web?.maxBackoff, web?.onCrash, web?.onFailure],
      ['always', 5, 60, 'page-top', 'fail-top'],
    );
    assert.deepEqual(
      [job?.restart, job?.minUptime, job?.maxBackoff, job?.onCrash, job?.onFailure],
      ['on-failure', 0, 2.5, 'page-job', 'fail-top'],
    );
  });

  it('refuses an unknown policy and a zero max_backoff, naming the key', () => {
    const root = app({ Procfile: 'web: x\n', 'Procfile.options': 'processes:\n  web:\n    restart: sometimes\n    max_backoff: 0\n' });
    const error = failure({ root });
    assert.match(error.message, /processes\.web\.restart must be one of always, on-failure, never/);
    assert.match(error.message, /processes\.web\.max_backoff must be a number of seconds greater than 0/);
  });
});
