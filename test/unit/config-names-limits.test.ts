// Tests for what config files may contain beyond their types: safe process and application
// names, the quantity cap and the machine's process limit, and the size of every file read.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readEnvFile } from '../../src/config/env-file.js';
import { readGlobalConfig } from '../../src/config/app-resolution.js';
import { loadConfig, type LoadConfigOptions } from '../../src/config/load-config.js';
import { parseOptions } from '../../src/config/options.js';
import { parseProcfile } from '../../src/config/procfile.js';
import { processNameProblem } from '../../src/config/process-name.js';
import { tempTree } from '../helpers/temp-tree.js';

const app = (files: Record<string, string>): string => tempTree(files);

function procfileError(text: string): string {
  const result = parseProcfile(text, '/app/Procfile');
  assert.ok(!result.ok, 'expected an error');
  assert.equal(result.error.code, 'CONFIG_INVALID');
  return result.error.message;
}

function optionsError(text: string): string {
  const result = parseOptions(text, '/app/Procfile.options');
  assert.ok(!result.ok, 'expected an error');
  assert.equal(result.error.code, 'CONFIG_INVALID');
  return result.error.message;
}

function loadError(root: string, options: LoadConfigOptions = {}): string {
  const result = loadConfig({ root }, options);
  assert.ok(!result.ok, 'expected an error');
  return result.error.message;
}

describe('process names', () => {
  for (const name of ['web', 'worker', 'sidekiq_default', 'web-api', 'app4.25.new', 'Web2', '2fa', 'a'.repeat(64)]) {
    it(`accepts ${name.length > 20 ? 'a 64-character name' : name}`, () => {
      assert.equal(processNameProblem(name), undefined);
      assert.ok(parseProcfile(`${name}: sleep 1\n`, '/app/Procfile').ok);
    });
  }

  it('refuses a path in a Procfile name, naming the line', () => {
    const message = procfileError('web: x\n../../../x/evil: sleep 1\n');
    assert.match(message, /^\/app\/Procfile:2: the process name '\.\.\/\.\.\/\.\.\/x\/evil' may only contain letters, digits/);
    assert.match(procfileError('a/b: x\n'), /Procfile:1: the process name 'a\/b'/);
  });

  it('refuses a name with a newline or an escape, showing it escaped', () => {
    const message = procfileError('"web\\n2026-01-01 system | forged": x\n');
    assert.match(message, /the process name "web\\n2026-01-01 system \| forged"/);
    assert.doesNotMatch(message, /\n/);
    assert.doesNotMatch(procfileError('"we\\u001b[2Jb": x\n'), /\u001b/);
  });

  it('refuses names that start oddly, are too long or read as an instance', () => {
    assert.match(procfileError('.hidden: x\n'), /must start with a letter or a digit/);
    assert.match(procfileError('-p: x\n'), /must start with a letter or a digit/);
    assert.match(procfileError('web server: x\n'), /may only contain/);
    assert.match(procfileError(`${'a'.repeat(65)}: x\n`), /65 characters long; a process name has at most 64/);
    assert.match(procfileError('web.2: x\n'), /ends in "\.2", which reads as an instance number/);
    assert.match(procfileError('a/b__AT__* * * * *: x\n'), /the process name 'a\/b'/);
  });

  it('refuses the names every JavaScript object inherits, which used to find a function in place of a port', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'toLocaleString']) {
      assert.match(procfileError(`web: x\n${name}: x\n`), new RegExp(`Procfile:2: the process name '${name}' is the name of a property every JavaScript object has`));
    }
    assert.match(optionsError('processes:\n  toString:\n    quantity: 1\n'), /the process name "toString" under processes is the name of a property/);
    assert.equal(processNameProblem('constructors'), undefined);
  });

  it('refuses the same names under processes: in an options file', () => {
    const message = optionsError('processes:\n  web: {}\n  ../evil:\n    quantity: 1\n');
    assert.match(message, /^\/app\/Procfile\.options:3: the process name "\.\.\/evil" under processes may only contain/);
    const newline = optionsError('processes:\n  "a\\nb": {}\n');
    assert.match(newline, /the process name "a\\nb"/);
    assert.doesNotMatch(newline, /a\nb/);
  });

  it('refuses control characters in app_name', () => {
    const message = optionsError('app_name: "shop\\nforged line"\n');
    assert.match(message, /^\/app\/Procfile\.options:1: app_name "shop\\nforged line" must not contain control characters/);
    assert.match(optionsError(`app_name: ${'x'.repeat(201)}\n`), /app_name .* must be at most 200 characters long/);
    assert.ok(parseOptions('app_name: My Shop (staging)\n', '/f').ok);
  });
});

describe('schedules in the configuration', () => {
  it('refuses an invalid Procfile schedule, naming the line', () => {
    const message = procfileError('web: x\nbad__AT__61 * * * *: y\n');
    assert.match(message, /^\/app\/Procfile:2: the schedule '61 \* \* \* \*' of process 'bad' is not a valid cron schedule: '61' is out of range in the minute field/);
    assert.match(message, /Use 5 space-separated fields/);
    assert.match(procfileError('job__AT__every 5 minutes: y\n'), /Procfile:1: .* 3 fields, not 5 or 6/);
    assert.match(procfileError('job__AT__0 0 31 2 *: y\n'), /never fires/);
    assert.match(procfileError('a__AT__b__AT__c: x\n'), /the schedule 'b__AT__c' of process 'a'/);
  });

  it('refuses an invalid at: option, naming the line', () => {
    const message = optionsError('processes:\n  job:\n    at: "* * * *"\n');
    assert.match(message, /^\/app\/Procfile\.options:3: processes\.job\.at "\* \* \* \*" is not a valid cron schedule: it has 4 fields/);
    assert.ok(parseOptions('processes:\n  job:\n    at: "@daily"\n', '/f').ok);
  });
});

describe('quantity', () => {
  it('is a whole number from 0 to 1000', () => {
    for (const bad of ['1e9', '1001', '-1', '1.5', 'two']) {
      assert.match(
        optionsError(`processes:\n  web:\n    quantity: ${bad}\n`),
        /Procfile\.options:3: processes\.web\.quantity must be a whole number from 0 to 1000/,
        bad,
      );
    }
    assert.ok(parseOptions('processes:\n  web:\n    quantity: 1000\n', '/f').ok);
  });

  it('refuses a total beyond half the machine process limit, counting only long-running processes', () => {
    const root = app({
      Procfile: 'web: x\nworker: y\njob__AT__@daily: z\n',
      'Procfile.options': 'processes:\n  web:\n    quantity: 30\n',
      'Procfile.local': 'processes:\n  worker:\n    quantity: 21\n',
    });
    const limit = { max: 100, source: 'ulimit -u is 100' };
    const message = loadError(root, { processLimit: () => limit });
    assert.match(message, /add up to 51 instances, more than half of what this machine allows \(ulimit -u is 100\)/);
    assert.match(message, /Procfile\.options and .*Procfile\.local/);
    assert.ok(loadConfig({ root }, { processLimit: () => ({ ...limit, max: 102 }) }).ok);
  });

  it('lets 10,000 processes of quantity 1 load on this machine', () => {
    const names = Array.from({ length: 10000 }, (_, index) => `p${index}: sleep 1\n`).join('');
    const root = app({ Procfile: names });
    const loaded = loadConfig({ root });
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
    assert.equal(loaded.value.processes.length, 10000);
  });
});

describe('file sizes', () => {
  const big = `# ${'x'.repeat(1024 * 1024)}\n`;

  it('refuses a Procfile, options file or local file over 1 MiB before parsing it', () => {
    for (const file of ['Procfile', 'Procfile.options', 'Procfile.local']) {
      const root = app({ Procfile: 'web: x\n', [file]: file === 'Procfile' ? `web: x\n${big}` : big });
      const message = loadError(root);
      assert.match(message, new RegExp(`${root}/${file.replace('.', '\\.')} is larger than 1 MiB`));
    }
  });

  it('reads a file just under the limit', () => {
    const root = app({ Procfile: 'web: x\n', 'Procfile.options': `# ${'x'.repeat(1024 * 1024 - 10)}\n` });
    assert.ok(loadConfig({ root }).ok);
  });

  it('reads files under the limit in linear time: 25,000 env keys, 12,000 process entries', () => {
    // yaml's own duplicate-key check and a line lookup per process were quadratic: the first
    // file took 39 s (5.5 min in the daemon's lite mode), the second 25 s.
    const env = Array.from({ length: 25000 }, (_, index) => `  KEY_${index}: value_${index}\n`).join('');
    const names = Array.from({ length: 12000 }, (_, index) => `p${index}`);
    const root = app({
      Procfile: names.map((name) => `${name}: x\n`).join(''),
      'Procfile.options': `env:\n${env}processes:\n${names.map((name) => `  ${name}: {quantity: 0}\n`).join('')}`,
    });
    const started = Date.now();
    const loaded = loadConfig({ root });
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
    assert.equal(Object.keys(loaded.value.env).length, 25000);
    const duplicate = parseOptions(`env:\n${env}  KEY_7: again\n`, '/app/Procfile.options');
    assert.ok(!duplicate.ok);
    assert.match(duplicate.error.message, /^\/app\/Procfile\.options:25002:3: invalid YAML: Map keys must be unique/);
  });

  it('refuses an env file and a global configuration over 1 MiB', () => {
    const root = app({ '.env': `A=${'x'.repeat(1024 * 1024)}\n`, procodile: big });
    const env = readEnvFile(join(root, '.env'));
    assert.ok(!env.ok);
    assert.equal(env.error.code, 'ENV_FILE');
    assert.match(env.error.message, /\.env is larger than 1 MiB/);
    const global = readGlobalConfig(join(root, 'procodile'));
    assert.ok(!global.ok);
    assert.equal(global.error.code, 'GLOBAL_CONFIG_INVALID');
    assert.match(global.error.message, /procodile is larger than 1 MiB/);
  });
});
