// Tests for the Procfile.options / Procfile.local schema, its messages and the merge.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mergeOptions, parseOptions, readOptionsFile, type AppOptions } from '../../src/config/options.js';
import { FULL_OPTIONS } from '../helpers/fixtures.js';

const FILE = '/app/Procfile.options';

function options(text: string): AppOptions {
  const result = parseOptions(text, FILE);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value.options;
}

function failure(text: string): { code: string; message: string } {
  const result = parseOptions(text, FILE);
  assert.ok(!result.ok, 'expected a validation error');
  return result.error;
}


describe('parseOptions', () => {
  it('reads the full fixture (scenario 42)', () => {
    const parsed = parseOptions(FULL_OPTIONS, FILE);
    assert.ok(parsed.ok);
    const { options: value, processLines } = parsed.value;
    assert.equal(value.appName, 'specapp');
    assert.equal(value.pidRoot, 'tmp/pids');
    assert.equal(value.logPath, 'log/procodile.log');
    assert.equal(value.consoleCommand, 'irb -Ilib');
    assert.equal(value.execPrefix, 'bundle exec');
    assert.deepEqual(value.env, { RAILS_ENV: 'production', FRUIT: 'apple', VEGETABLE: 'potato', PORT: '3000' });
    assert.deepEqual(Object.keys(value.processes), ['proc1']);
    assert.deepEqual(processLines, { proc1: 12 });
    const proc1 = value.processes.proc1!;
    assert.equal(proc1.quantity, 2);
    assert.equal(proc1.restartMode, 'usr2');
    assert.equal(proc1.termSignal, 'SIGTERM');
    assert.equal(proc1.allocatePortFrom, 3005);
    assert.equal(proc1.proxyAddress, '127.0.0.1');
    assert.equal(proc1.proxyPort, 2018);
    assert.equal(proc1.networkProtocol, 'tcp');
    assert.equal(proc1.randomDelay, 10);
    assert.deepEqual(proc1.env, {});
  });

  it('treats an empty file, null values and a process without options as unset', () => {
    assert.deepEqual(options(''), { env: {}, processes: {} });
    const value = options('app_name:\nenv:\nprocesses:\n  web:\n  worker:\n    quantity:\n');
    assert.equal(value.appName, undefined);
    assert.deepEqual(value.env, {});
    assert.equal(value.processes.web!.quantity, undefined);
    assert.equal(value.processes.worker!.quantity, undefined);
  });

  it('stringifies env scalars', () => {
    const value = options(
      'env:\n  A: 1\n  B: true\n  C: 1.5\n  D:\n  E: text\n' + 'processes:\n  web:\n    env:\n      PORT: 80\n',
    );
    assert.deepEqual(value.env, { A: '1', B: 'true', C: '1.5', D: '', E: 'text' });
    assert.deepEqual(value.processes.web!.env, { PORT: '80' });
  });

  it('accepts every restart mode in any case, and signal names with or without SIG', () => {
    const modes = ['term-start', 'START-TERM', 'usr1', 'Usr2'];
    const expected = ['term-start', 'start-term', 'usr1', 'usr2'];
    modes.forEach((mode, index) => {
      const value = options(`processes:\n  web:\n    restart_mode: ${mode}\n`);
      assert.equal(value.processes.web!.restartMode, expected[index]);
    });
    for (const [written, normalised] of [['INT', 'SIGINT'], ['sigquit', 'SIGQUIT'], ['SIGUSR1', 'SIGUSR1']]) {
      assert.equal(options(`processes:\n  web:\n    term_signal: ${written}\n`).processes.web!.termSignal, normalised);
    }
  });

  it('reads stop_timeout at the top level and per process', () => {
    const value = options('stop_timeout: 30\nprocesses:\n  web:\n    stop_timeout: 2.5\n');
    assert.equal(value.stopTimeout, 30);
    assert.equal(value.processes.web!.stopTimeout, 2.5);
  });

  it('accepts the keys Procodile 2 parses but does not use', () => {
    const value = options('procfile: Procfile\napp_id: 3\nroot: /srv/x\nlog_root: log\nuser: deploy\n');
    assert.equal(value.procfile, 'Procfile');
    assert.equal(value.root, '/srv/x');
    assert.equal(value.logRoot, 'log');
    assert.equal(value.user, 'deploy');
  });

  const invalid: [string, string, RegExp][] = [
    ['a word as quantity', 'app_name: x\nprocesses:\n  web:\n    quantity: two\n',
      /^\/app\/Procfile\.options:4: processes\.web\.quantity must be a whole number from 0 to 1000, got "two"$/],
    ['a negative quantity', 'processes:\n  web:\n    quantity: -1\n',
      /:3: processes\.web\.quantity must be a whole number from 0 to 1000, got -1$/],
    ['a fractional quantity', 'processes:\n  web:\n    quantity: 1.5\n', /:3: processes\.web\.quantity .* got 1\.5$/],
    ['an unknown restart mode', 'processes:\n  web:\n    restart_mode: TERM\n',
      /:3: processes\.web\.restart_mode must be one of term-start, start-term, usr1, usr2, got "TERM"$/],
    ['an unknown signal', 'processes:\n  web:\n    term_signal: TERMINATE\n',
      /:3: processes\.web\.term_signal must be a signal name .* got "TERMINATE"$/],
    ['a numeric signal', 'processes:\n  web:\n    term_signal: 15\n', /:3: processes\.web\.term_signal .* got 15$/],
    ['an unknown network protocol', 'processes:\n  web:\n    network_protocol: sctp\n',
      /:3: Invalid network_protocol 'sctp' at processes\.web\.network_protocol: use tcp or udp$/],
    ['a port out of range', 'processes:\n  web:\n    proxy_port: 70000\n',
      /:3: processes\.web\.proxy_port must be a port number/],
    ['a port given as text', 'processes:\n  web:\n    allocate_port_from: "3000"\n',
      /:3: processes\.web\.allocate_port_from .* got "3000"$/],
    ['a non-string at', 'processes:\n  web:\n    at: 5\n',
      /:3: processes\.web\.at must be a cron schedule string, got 5$/],
    ['an env list', 'env:\n  - A=1\n', /:1: env must be a mapping of NAME: value, got a list$/],
    ['a nested env value', 'env:\n  A: [1]\n', /:2: env\.A must be a string, number or boolean, got a list$/],
    ['a zero stop_timeout', 'stop_timeout: 0\n', /:1: stop_timeout must be a number of seconds greater than 0, got 0$/],
    ['a negative per-process stop_timeout', 'processes:\n  web:\n    stop_timeout: -3\n',
      /:3: processes\.web\.stop_timeout .* got -3$/],
    ['a non-string app_name', 'app_name: [a]\n', /:1: app_name must be a string, got a list$/],
    ['an empty pid_root', 'pid_root: ""\n', /:1: pid_root must be a non-empty path, got ""$/],
    ['processes as a list', 'processes:\n  - web\n', /:1: processes must be a mapping of process names/],
    ['process options as text', 'processes:\n  web: 2\n',
      /:2: processes\.web must be a mapping of option: value, got 2$/],
    ['a top-level list', '- a\n',
      /^\/app\/Procfile\.options:1: the file must be a mapping of option: value, got a list$/],
    ['a misspelt top-level key', 'app_nmae: x\n', /:1: unknown option app_nmae\. Did you mean 'app_name'\?$/],
    ['a misspelt process key', 'processes:\n  web:\n    quantiy: 2\n',
      /:3: unknown option processes\.web\.quantiy\. Did you mean 'quantity'\?$/],
    ['a dashed key', 'processes:\n  web:\n    restart-mode: usr1\n', /Did you mean 'restart_mode'\?$/],
    ['a key nothing like a known one', 'colour: red\n', /:1: unknown option colour\. Known keys: app_name, /],
  ];
  for (const [what, text, pattern] of invalid) {
    it(`rejects ${what}`, () => {
      const error = failure(text);
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, pattern);
    });
  }

  it('lists every problem, in line order, once each', () => {
    const error = failure('processes:\n  web:\n    restart_mode: nope\n    quantity: -1\nbogus: 1\napp_name: 3\n');
    const lines = error.message.split('\n');
    assert.equal(lines.length, 4);
    assert.deepEqual(
      lines.map((line) => /:(\d+):/.exec(line)?.[1]),
      ['3', '4', '5', '6'],
    );
  });

  it('reports YAML syntax errors as such', () => {
    const error = failure('a: [1\n');
    assert.equal(error.code, 'YAML_SYNTAX');
    assert.match(error.message, /^\/app\/Procfile\.options:1: invalid YAML: .*at the end of the file/);
  });
});

describe('readOptionsFile', () => {
  const dir = mkdtempSync('/tmp/pc-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('treats a missing file as empty', () => {
    const result = readOptionsFile(join(dir, 'Procfile.options'));
    assert.ok(result.ok);
    assert.deepEqual(result.value.options, { env: {}, processes: {} });
  });

  it('rejects a directory', () => {
    mkdirSync(join(dir, 'Procfile.local'));
    const result = readOptionsFile(join(dir, 'Procfile.local'));
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'CONFIG_INVALID');
    assert.match(result.error.message, /Procfile\.local is not a file/);
  });
});

describe('mergeOptions', () => {
  it('lets local values win key by key and merges env maps', () => {
    const base = options(
      'app_name: base\npid_root: p\nenv: {A: "1", B: "2"}\nprocesses:\n' +
        '  web: {quantity: 2, restart_mode: usr1, env: {X: a, Y: b}}\n  worker: {quantity: 3}\n',
    );
    const local = parseOptions(
      'app_name: local\nenv: {B: "3", C: "4"}\nprocesses:\n' +
        '  web: {quantity: 5, env: {Y: c}}\n  cron: {at: "* * * * *"}\n',
      '/app/Procfile.local',
    );
    assert.ok(local.ok);
    const merged = mergeOptions(base, local.value.options);
    assert.equal(merged.appName, 'local');
    assert.equal(merged.pidRoot, 'p');
    assert.deepEqual(merged.env, { A: '1', B: '3', C: '4' });
    assert.equal(merged.processes.web!.quantity, 5);
    assert.equal(merged.processes.web!.restartMode, 'usr1');
    assert.deepEqual(merged.processes.web!.env, { X: 'a', Y: 'c' });
    assert.equal(merged.processes.worker!.quantity, 3);
    assert.equal(merged.processes.cron!.at, '* * * * *');
  });

  it('does not let a null local value override', () => {
    const base = options('app_name: base\n');
    const merged = mergeOptions(base, options('app_name:\n'));
    assert.equal(merged.appName, 'base');
  });
});
