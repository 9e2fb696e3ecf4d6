// The command definitions: each registered name loads its own definition, what the CLI edge
// does before a command runs is read from them, and commands get their options typed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_NAMES, loadAllCommands, loadCommand } from '../../src/cli/command-registry.js';
import { defineCommand, type Command } from '../../src/cli/define-command.js';
import { readOptions } from '../../src/cli/option-spec.js';
import { findCommandWord } from '../../src/cli/parser.js';

const COMMANDS = await loadAllCommands();

const namesWhere = (test: (command: Command) => boolean): string[] =>
  COMMANDS.filter(test)
    .map((c) => c.name)
    .sort();

void describe('command registry', () => {
  void it('loads, for every name, the definition of that name', async () => {
    assert.deepEqual(
      COMMANDS.map((c) => c.name),
      [...COMMAND_NAMES],
    );
    for (const name of COMMAND_NAMES) assert.equal((await loadCommand(name)).name, name);
  });
});

void describe('command behaviour', () => {
  void it('goes on with the pid directory on broken files for the commands that act on a running supervisor', () => {
    assert.deepEqual(namesWhere((c) => c.brokenConfig === 'use-pid-directory'), ['kill', 'status', 'stop', 'top']);
    // These have the supervisor re-read the files, and it reports their errors itself.
    assert.deepEqual(namesWhere((c) => c.brokenConfig === 'supervisor-reports'), ['check_concurrency', 'reload', 'restart']);
  });

  void it('leaves the disk alone for the reading commands', () => {
    assert.deepEqual(namesWhere((c) => !c.createsPidDirectory), ['check', 'export', 'systemd', 'top']);
  });

  void it('re-runs as the configured user except for the commands that only read the configuration', () => {
    assert.deepEqual(namesWhere((c) => !c.runsAsConfiguredUser), ['check', 'export']);
  });

  void it('loads the application except for help and completion, and for check, status and top --all', () => {
    assert.deepEqual(namesWhere((c) => !c.loadsApp({})), ['completion', 'help']);
    for (const name of ['check', 'status', 'top']) assert.equal(COMMANDS.find((c) => c.name === name)?.loadsApp({ all: true }), false, name);
  });

  void it('rejects stray words for start, stop and restart, and hands exec and run their command line', () => {
    assert.deepEqual(namesWhere((c) => c.extraWords === 'rejected'), ['restart', 'start', 'stop']);
    assert.deepEqual(namesWhere((c) => c.extraWords === 'command-line'), ['exec', 'run']);
  });
});

void describe('typed options', () => {
  const specs = [
    { long: 'no-respawn', value: 'none', help: 'h' },
    { long: 'json-pretty', value: 'none', help: 'h' },
    { long: 'tag', short: 't', value: 'required', placeholder: 'T', help: 'h' },
    { long: 'mode', value: 'required', placeholder: 'M', choices: ['simple', 'oneshot'], help: 'h' },
    { long: 'env-file', value: 'optional', placeholder: 'F', defaultValue: '.env', help: 'h' },
  ] as const;

  void it('keys options by camelCase name, flags always present, values when given', () => {
    assert.deepEqual(readOptions(specs, { 'no-respawn': true, tag: 'r1', 'env-file': '.env' }), {
      noRespawn: true,
      jsonPretty: false,
      tag: 'r1',
      mode: undefined,
      envFile: '.env',
    });
  });

  void it('types each option from its spec', () => {
    const options = readOptions(specs, { mode: 'oneshot' });
    const respawn: boolean = options.noRespawn;
    const mode: 'simple' | 'oneshot' | undefined = options.mode;
    const tag: string | undefined = options.tag;
    assert.deepEqual([respawn, mode, tag], [false, 'oneshot', undefined]);
    // @ts-expect-error an option the command does not declare does not compile
    assert.equal(options.noRespwn, undefined);
    // @ts-expect-error a flag is a boolean, not a string
    const wrong: string = options.jsonPretty;
    assert.equal(wrong, false);
  });

  void it('hands the run the typed options and the application it asked for', async () => {
    let seen: unknown;
    const command = defineCommand({
      name: 'probe',
      description: 'd',
      options: specs,
      behaviour: { loadsApp: { unless: 'jsonPretty' } },
      run: ({ options, app }) => {
        seen = { options, app };
        return 3;
      },
    });
    const args = { global: { help: false, version: false }, options: { 'json-pretty': true, tag: 'x' } as const, extraArgs: [] };
    const ctx = { term: undefined as never, env: {}, cwd: '/', cliPath: 'p', argv: [], commands: () => Promise.resolve([]) };
    assert.equal(command.loadsApp(args.options), false);
    assert.equal(command.loadsApp({}), true);
    assert.equal(await command.run({ ...ctx, args, app: undefined }), 3);
    assert.deepEqual(seen, {
      options: { noRespawn: false, jsonPretty: true, tag: 'x', mode: undefined, envFile: undefined },
      app: undefined,
    });
    // Running without the application it needs is a bug in the CLI edge, not a user mistake.
    await assert.rejects(command.run({ ...ctx, args: { ...args, options: {} }, app: undefined }), /Internal error: probe ran without its application/);
  });

  void it('accepts only a flag of the command as the one that spares loading the application', () => {
    const define = (): Command =>
      defineCommand({
        name: 'probe',
        description: 'd',
        options: specs,
        // @ts-expect-error `tag` takes a value: it is not a flag
        behaviour: { loadsApp: { unless: 'tag' } },
        run: () => 0,
      });
    assert.equal(typeof define, 'function');
  });
});

void describe('findCommandWord', () => {
  void it('reads argv up to the command word as the full parse does', () => {
    assert.equal(findCommandWord(['-r', 'status', 'start', '-f']), 'start');
    assert.equal(findCommandWord(['--root=/a', 'exec', 'start']), 'exec');
    assert.equal(findCommandWord(['--procfile', 'log']), undefined);
    assert.equal(findCommandWord(['-h', 'start']), undefined);
    assert.equal(findCommandWord(['--bogus', 'start']), undefined);
    assert.equal(findCommandWord(['--', 'start']), undefined);
    assert.equal(findCommandWord(['oops', 'start']), 'start');
  });
});
