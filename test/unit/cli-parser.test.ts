// argv parsing as Procodile does it, process selectors and --ports values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GLOBAL_OPTIONS } from '../../src/cli/args.js';
import { COMMAND_NAMES, loadAllCommands, type CommandName } from '../../src/cli/command-registry.js';
import type { Command } from '../../src/cli/define-command.js';
import { parsePortAllocations, parseProcessSelectors } from '../../src/cli/option-values.js';
import { commandForHelp, findCommandWord, parseArgs, rejectExtraArgs, type ParsedArgs } from '../../src/cli/parser.js';
import type { ErrorCode, Result } from '../../src/errors.js';

const COMMANDS = await loadAllCommands();

function commandSpec(name: CommandName): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) assert.fail(`no definition for ${name}`);
  return command;
}

/** As main.ts parses: the command word first, then argv with that command's definition alone. */
function parseLine(argv: string[]): Result<ParsedArgs> {
  const word = findCommandWord(argv);
  return parseArgs(argv, word === undefined ? [] : [commandSpec(word)]);
}

function rejectExtra(parsed: ParsedArgs): Result<void> {
  return rejectExtraArgs(parsed, parsed.command === undefined ? undefined : commandSpec(parsed.command));
}

function parse(...argv: string[]): ParsedArgs {
  const result = parseLine(argv);
  if (!result.ok) assert.fail(`expected ${argv.join(' ')} to parse, got ${result.error.message}`);
  return result.value;
}

function failure<T>(result: Result<T>, code: ErrorCode, message?: string): void {
  assert.equal(result.ok, false, 'expected a failure');
  if (result.ok) return;
  assert.equal(result.error.code, code);
  if (message !== undefined) assert.equal(result.error.message, message);
}

const noGlobals = { help: false, version: false };

void describe('command table', () => {
  void it('has every Procodile 2 command plus check, completion, export, systemd and top (scenario 6)', () => {
    assert.deepEqual(
      COMMANDS.map((c) => c.name).sort(),
      [
        'check',
        'check_concurrency',
        'completion',
        'console',
        'exec',
        'export',
        'help',
        'kill',
        'log',
        'reload',
        'restart',
        'run',
        'start',
        'status',
        'stop',
        'systemd',
        'top',
      ],
    );
    assert.equal(COMMANDS.length, COMMAND_NAMES.length);
  });

  void it('gives every command a description and every option help text', () => {
    for (const command of COMMANDS) {
      assert.ok(command.description.length > 0, command.name);
      for (const option of command.options) assert.ok(option.help.length > 0, `${command.name} --${option.long}`);
    }
  });

  void it('never reuses a global letter or name inside a command, nor one twice', () => {
    for (const command of COMMANDS) {
      const all = [...GLOBAL_OPTIONS, ...command.options];
      const longs = all.map((o) => o.long);
      const shorts = all.flatMap((o) => (o.short === undefined ? [] : [o.short]));
      assert.equal(new Set(longs).size, longs.length, command.name);
      assert.equal(new Set(shorts).size, shorts.length, command.name);
    }
  });

  void it('describes help as showing this help output', () => {
    assert.equal(commandSpec('help').description, 'Show this help output');
  });
});

void describe('parseArgs: commands and their options', () => {
  void it('start --dev switches on foreground, proxy, stop-when-none and no-respawn (scenario 7)', () => {
    const parsed = parse('start', '--dev');
    assert.equal(parsed.command, 'start');
    assert.deepEqual(parsed.options, {
      dev: true,
      foreground: true,
      proxy: true,
      'stop-when-none': true,
      'no-respawn': true,
    });
  });

  void it('records tags for start and restart (scenario 8)', () => {
    assert.equal(parse('start', '--tag', 'release-20260420').options.tag, 'release-20260420');
    assert.equal(parse('restart', '--tag', 'release-20260420').options.tag, 'release-20260420');
    assert.equal(parse('restart', '-t', 'r2').options.tag, 'r2');
  });

  void it('stop --wait, status --json-pretty, check_concurrency --no-reload (scenarios 9-11)', () => {
    assert.deepEqual(parse('stop', '--wait').options, { wait: true });
    assert.deepEqual(parse('status', '--json-pretty').options, { 'json-pretty': true });
    assert.deepEqual(parse('check_concurrency', '--no-reload').options, { 'no-reload': true });
  });

  void it('no arguments: no command, no globals, no extra args (scenario 12)', () => {
    assert.deepEqual(parse(), { global: noGlobals, options: {}, extraArgs: [] });
  });

  void it('help is a plain command', () => {
    assert.equal(parse('help').command, 'help');
  });

  void it('global options before the command (scenario 14)', () => {
    const parsed = parse('-r', '/app', '--procfile', 'PFile', 'start', '-d');
    assert.equal(parsed.command, 'start');
    assert.deepEqual(parsed.global, { root: '/app', procfile: 'PFile', help: false, version: false });
    assert.equal(parsed.options.dev, true);
    assert.equal(parsed.options.foreground, true);
    assert.deepEqual(parsed.extraArgs, []);
  });

  void it('global options after the command, values kept as given (scenario 15)', () => {
    const parsed = parse('start', '-r', 'app/app1', '--procfile', 'config/PFile', '-d');
    assert.equal(parsed.command, 'start');
    assert.deepEqual(parsed.global, { root: 'app/app1', procfile: 'config/PFile', help: false, version: false });
    assert.equal(parsed.options['stop-when-none'], true);
    assert.deepEqual(parsed.extraArgs, []);
  });

  void it('restart -p app1,app2 -t release-1 (scenario 18)', () => {
    const parsed = parse('restart', '-p', 'app1,app2', '-t', 'release-1');
    assert.deepEqual(parsed.options, { processes: 'app1,app2', tag: 'release-1' });
    assert.deepEqual(parsed.extraArgs, []);
  });

  void it('start worker.1 leaves an extra arg that start rejects (scenario 19)', () => {
    const parsed = parse('start', 'worker.1');
    assert.deepEqual(parsed.extraArgs, ['worker.1']);
    const rejected = rejectExtra(parsed);
    failure(
      rejected,
      'INVALID_ARGUMENT',
      'Invalid argument(s) for `start`: worker.1. Use `-p/--processes` to target processes.',
    );
  });

  void it('rejectExtraArgs covers start, stop and restart only', () => {
    for (const command of ['stop', 'restart']) {
      const rejected = rejectExtra(parse(command, 'app1', 'app2'));
      failure(rejected, 'INVALID_ARGUMENT');
      if (!rejected.ok) assert.match(rejected.error.message, new RegExp(`for \`${command}\`: app1 app2\\.`));
    }
    assert.equal(rejectExtra(parse('status', 'x')).ok, true);
    assert.equal(rejectExtra(parse('start', '-p', 'web')).ok, true);
    assert.equal(rejectExtra(parse('oops')).ok, true);
  });

  void it('an unknown word becomes the invalid command (scenario 20)', () => {
    const parsed = parse('not-a-command');
    assert.equal(parsed.command, undefined);
    assert.equal(parsed.invalidCommand, 'not-a-command');
    assert.deepEqual(parsed.extraArgs, []);
    const more = parse('not-a-command', 'x', '-r', '/a');
    assert.equal(more.invalidCommand, 'not-a-command');
    assert.deepEqual(more.extraArgs, ['x']);
    assert.equal(more.global.root, '/a');
  });

  void it('the first command word wins; later ones are plain words', () => {
    const parsed = parse('status', 'stop');
    assert.equal(parsed.command, 'status');
    assert.deepEqual(parsed.extraArgs, ['stop']);
  });

  void it('systemd --mode accepts only simple or oneshot', () => {
    assert.deepEqual(parse('systemd', '--mode', 'oneshot', '--user').options, { mode: 'oneshot', user: true });
    assert.deepEqual(parse('systemd', '--mode=simple').options, { mode: 'simple' });
    failure(parseLine(['systemd', '--mode', 'forking']), 'INVALID_ARGUMENT');
    failure(parseLine(['systemd', '--mode']), 'MISSING_OPTION_VALUE', 'Missing option for --mode');
  });

  void it('check --all and log options', () => {
    assert.deepEqual(parse('check', '--all').options, { all: true });
    assert.deepEqual(parse('log', '-f', '-n', '50', '-p', 'web').options, { follow: true, lines: '50', process: 'web' });
    assert.deepEqual(parse('log', '-fn5').options, { follow: true, lines: '5' });
  });
});

void describe('parseArgs: exec and run', () => {
  void it('run bundle exec rake db:migrate (scenario 16)', () => {
    const parsed = parse('run', 'bundle', 'exec', 'rake', 'db:migrate');
    assert.equal(parsed.command, 'run');
    assert.deepEqual(parsed.extraArgs, ['bundle', 'exec', 'rake', 'db:migrate']);
  });

  void it('exec env (scenario 17)', () => {
    assert.deepEqual(parse('exec', 'env').extraArgs, ['env']);
  });

  void it('exec ls -la keeps the flag as part of the command (Q1)', () => {
    const parsed = parse('exec', 'ls', '-la');
    assert.equal(parsed.command, 'exec');
    assert.deepEqual(parsed.extraArgs, ['ls', '-la']);
    assert.deepEqual(parsed.options, {});
  });

  void it('run -- rake db:migrate --trace drops only the leading --', () => {
    assert.deepEqual(parse('run', '--', 'rake', 'db:migrate', '--trace').extraArgs, ['rake', 'db:migrate', '--trace']);
    assert.deepEqual(parse('run', 'sh', '-c', 'echo a -- b', '--').extraArgs, ['sh', '-c', 'echo a -- b', '--']);
  });

  void it('global options before exec still apply; after it they belong to the command', () => {
    const parsed = parse('-r', '/app', 'exec', 'status', '-r', 'x', '-h');
    assert.equal(parsed.global.root, '/app');
    assert.equal(parsed.global.help, false);
    assert.deepEqual(parsed.extraArgs, ['status', '-r', 'x', '-h']);
  });

  void it('exec -h asks for help; after the command word it is part of the command', () => {
    for (const argv of [['exec', '-h'], ['exec', '--help'], ['run', '-h', 'x'], ['run', '-r', '/app', '--help', '--', 'x']]) {
      const parsed = parse(...argv);
      assert.equal(parsed.global.help, true, argv.join(' '));
    }
    assert.deepEqual(parse('run', 'x', '-h').extraArgs, ['x', '-h']);
    assert.deepEqual(parse('run', '--', '-h').extraArgs, ['-h']);
  });

  void it('options between exec/run and the command are read (-r ROOT -- CMD)', () => {
    const cases: [string[], { root?: string; procfile?: string }, string[]][] = [
      [['exec', '-r', '/app', '--', 'ls', '-la'], { root: '/app' }, ['ls', '-la']],
      [['run', '--root', '/app', 'rake', 'db:migrate', '-r', 'x'], { root: '/app' }, ['rake', 'db:migrate', '-r', 'x']],
      [['run', '-r/app', '--procfile', '/app/Procfile.web', '--', '--', 'x'], { root: '/app', procfile: '/app/Procfile.web' }, ['--', 'x']],
      [['exec', '--root=/app', 'sh', '-c', 'echo -r'], { root: '/app' }, ['sh', '-c', 'echo -r']],
      [['run', '-r', '/app', '-', 'x'], { root: '/app' }, ['-', 'x']],
    ];
    for (const [argv, global, extraArgs] of cases) {
      const parsed = parse(...argv);
      assert.equal(parsed.global.root, global.root, argv.join(' '));
      assert.equal(parsed.global.procfile, global.procfile, argv.join(' '));
      assert.deepEqual(parsed.extraArgs, extraArgs, argv.join(' '));
    }
  });

  void it('an unknown option before the command word is an error, not the command', () => {
    const parsed = parseLine(['exec', '-la']);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.equal(parsed.error.code, 'INVALID_OPTION');
  });

  void it('exec with nothing after it has no extra args', () => {
    assert.deepEqual(parse('exec').extraArgs, []);
    assert.deepEqual(parse('exec', '--').extraArgs, []);
  });
});

void describe('parseArgs: option syntax', () => {
  void it('an option before its command is invalid', () => {
    failure(parseLine(['-f', 'start']), 'INVALID_OPTION', 'Invalid option: -f');
    failure(parseLine(['--json', 'status']), 'INVALID_OPTION', 'Invalid option: --json');
  });

  void it('rejects unknown options with the spelling typed', () => {
    failure(parseLine(['start', '--bogus']), 'INVALID_OPTION', 'Invalid option: --bogus');
    failure(parseLine(['start', '--bogus=1']), 'INVALID_OPTION', 'Invalid option: --bogus=1');
    failure(parseLine(['status', '-z']), 'INVALID_OPTION', 'Invalid option: -z');
    failure(parseLine(['start', '--dev=yes']), 'INVALID_OPTION', 'Invalid option: --dev=yes');
  });

  void it('accepts -pVALUE, -p VALUE, --processes VALUE and --processes=VALUE', () => {
    for (const argv of [
      ['start', '-pweb'],
      ['start', '-p', 'web'],
      ['start', '--processes', 'web'],
      ['start', '--processes=web'],
    ]) {
      assert.deepEqual(parse(...argv).options, { processes: 'web' }, argv.join(' '));
    }
    assert.equal(parse('start', '--processes=a=b').options.processes, 'a=b');
    assert.equal(parse('-r=/x', 'status').global.root, '=/x');
    assert.equal(parse('--root=/x', 'status').global.root, '/x');
  });

  void it('a required value may look like an option', () => {
    assert.equal(parse('start', '-t', '-x').options.tag, '-x');
  });

  void it('bundles short flags when every letter is known', () => {
    assert.deepEqual(parse('start', '-fd').options, {
      foreground: true,
      dev: true,
      proxy: true,
      'stop-when-none': true,
      'no-respawn': true,
    });
    assert.deepEqual(parse('start', '-fx').options, { foreground: true, proxy: true });
    assert.deepEqual(parse('start', '-fpweb,worker').options, { foreground: true, processes: 'web,worker' });
    assert.deepEqual(parse('start', '-fp', 'web').options, { foreground: true, processes: 'web' });
    failure(parseLine(['start', '-fz']), 'INVALID_OPTION', 'Invalid option: -fz');
    failure(parseLine(['stop', '-sf']), 'INVALID_OPTION', 'Invalid option: -sf');
  });

  void it('bundles may mix global and command letters', () => {
    const parsed = parse('start', '-dr', '/app');
    assert.equal(parsed.global.root, '/app');
    assert.equal(parsed.options.dev, true);
  });

  void it('reports a missing value with the spelling typed', () => {
    failure(parseLine(['-r']), 'MISSING_OPTION_VALUE', 'Missing option for -r');
    failure(parseLine(['status', '--root']), 'MISSING_OPTION_VALUE', 'Missing option for --root');
    failure(parseLine(['--procfile']), 'MISSING_OPTION_VALUE', 'Missing option for --procfile');
    failure(parseLine(['start', '-p']), 'MISSING_OPTION_VALUE', 'Missing option for -p');
    failure(parseLine(['start', '-fp']), 'MISSING_OPTION_VALUE', 'Missing option for -p');
    failure(parseLine(['restart', '--tag']), 'MISSING_OPTION_VALUE', 'Missing option for --tag');
    failure(parseLine(['start', '--ports']), 'MISSING_OPTION_VALUE', 'Missing option for --ports');
  });

  void it('-h and -v stop the scan, as Procodile 2 prints and exits right there', () => {
    assert.deepEqual(parse('-h'), { global: { help: true, version: false }, options: {}, extraArgs: [] });
    assert.deepEqual(parse('--version'), { global: { help: false, version: true }, options: {}, extraArgs: [] });
    const startHelp = parse('start', '-h', '--bogus');
    assert.equal(startHelp.command, 'start');
    assert.equal(startHelp.global.help, true);
    const globalHelp = parse('-h', 'start');
    assert.equal(globalHelp.command, undefined);
    assert.equal(globalHelp.invalidCommand, undefined);
    assert.equal(globalHelp.global.help, true);
    assert.equal(parse('start', '-xv').global.version, true);
  });

  void it('-- keeps every following word verbatim as extra args (Q1)', () => {
    const parsed = parse('status', '--', '--json', '-x', 'a');
    assert.deepEqual(parsed.options, {});
    assert.deepEqual(parsed.extraArgs, ['--json', '-x', 'a']);
    const start = parse('start', '-f', '--', 'worker.1');
    assert.deepEqual(start.extraArgs, ['worker.1']);
    assert.equal(rejectExtra(start).ok, false);
  });

  void it('-- before any command: the next word is the invalid command, not a command', () => {
    const parsed = parse('--', 'start');
    assert.equal(parsed.command, undefined);
    assert.equal(parsed.invalidCommand, 'start');
  });

  void it('a lone - is a plain word', () => {
    assert.deepEqual(parse('status', '-').extraArgs, ['-']);
  });
});

void describe('parseArgs: --env-file', () => {
  void it('takes the next word as its value', () => {
    assert.equal(parse('start', '--env-file', 'prod.env').options['env-file'], 'prod.env');
  });

  void it('uses .env when nothing follows', () => {
    assert.equal(parse('start', '--env-file').options['env-file'], '.env');
  });

  void it('leaves a following known option alone and uses .env', () => {
    for (const next of ['-f', '--foreground', '-fd', '--processes=web', '-r', '--root']) {
      const argv = ['start', '--env-file', next, ...(next === '-r' || next === '--root' ? ['/app'] : [])];
      const parsed = parse(...argv);
      assert.equal(parsed.options['env-file'], '.env', argv.join(' '));
    }
    const parsed = parse('start', '--env-file', '-f');
    assert.equal(parsed.options.foreground, true);
  });

  void it('takes an unknown dash word as a file name, as Procodile 2 does', () => {
    assert.equal(parse('start', '--env-file', '-weird.env').options['env-file'], '-weird.env');
  });

  void it('does not swallow --', () => {
    const parsed = parse('start', '--env-file', '--', 'x');
    assert.equal(parsed.options['env-file'], '.env');
    assert.deepEqual(parsed.extraArgs, ['x']);
  });

  void it('--env-file=x and --env-file= give the value as typed', () => {
    assert.equal(parse('start', '--env-file=x').options['env-file'], 'x');
    assert.equal(parse('start', '--env-file=').options['env-file'], '');
  });
});

void describe('commandForHelp', () => {
  void it('finds the command a failing argv was heading for', () => {
    assert.equal(commandForHelp(['start', '--bogus']), 'start');
    assert.equal(commandForHelp(['-r', '/a', 'status', '-z']), 'status');
    assert.equal(commandForHelp(['--bogus']), undefined);
    assert.equal(commandForHelp(['--', 'start']), undefined);
  });
});

void describe('parseProcessSelectors', () => {
  void it('splits on commas, trims and removes duplicates', () => {
    const result = parseProcessSelectors(' web , worker,web,,worker.2 ');
    assert.deepEqual(result, {
      ok: true,
      value: [{ name: 'web' }, { name: 'worker' }, { name: 'worker', instance: 2 }],
    });
  });

  void it('only a trailing .digits is an instance number', () => {
    const result = parseProcessSelectors('app4.25.new,app4.25,app.v2,web.0');
    assert.deepEqual(result, {
      ok: true,
      value: [{ name: 'app4.25.new' }, { name: 'app4', instance: 25 }, { name: 'app.v2' }, { name: 'web', instance: 0 }],
    });
  });

  void it('treats web.1 and web.01 as the same instance', () => {
    assert.deepEqual(parseProcessSelectors('web.1,web.01'), { ok: true, value: [{ name: 'web', instance: 1 }] });
  });

  void it('rejects an empty list', () => {
    for (const value of ['', ',', ' , ']) {
      failure(parseProcessSelectors(value), 'INVALID_ARGUMENT', 'No process names provided');
    }
  });
});

void describe('parsePortAllocations', () => {
  void it('reads NAME:PORT pairs; 0 means any free port', () => {
    assert.deepEqual(parsePortAllocations('app1:3001,app2:0'), { ok: true, value: { app1: 3001, app2: 0 } });
    assert.deepEqual(parsePortAllocations(' app1 : 3001 , '), { ok: true, value: { app1: 3001 } });
  });

  void it('rejects a segment without a colon', () => {
    failure(parsePortAllocations('app1:3001,app2'), 'INVALID_ARGUMENT', 'No port specified, e.g. app1:3001,app2:3002');
    failure(parsePortAllocations(''), 'INVALID_ARGUMENT', 'No port specified, e.g. app1:3001,app2:3002');
  });

  void it('rejects ports that are not numbers from 0 to 65535', () => {
    for (const value of ['app1:abc', 'app1:', 'app1:-1', 'app1:65536', 'app1:30.5', 'app1:1:2']) {
      const result = parsePortAllocations(value);
      failure(result, 'INVALID_ARGUMENT');
      if (!result.ok) assert.match(result.error.message, /Invalid port '.*' for app1 in --ports/);
    }
    assert.deepEqual(parsePortAllocations('app1:65535'), { ok: true, value: { app1: 65535 } });
  });

  void it('rejects a port without a process name', () => {
    failure(parsePortAllocations(':3000'), 'INVALID_ARGUMENT');
  });
});
