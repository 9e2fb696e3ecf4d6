// Help texts: the command list, per-command option help (scenarios 21-22), invalid command.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createColors } from '../../src/logging/colors.js';
import { COMMAND_NAMES, loadAllCommands } from '../../src/cli/command-registry.js';
import { renderCommandHelp as renderHelpOf, renderHelp as renderHelpWith, renderInvalidCommand } from '../../src/cli/help.js';
import type { Colors } from '../../src/logging/colors.js';

const COMMANDS = await loadAllCommands();
const renderHelp = (colors: Colors, version: string): string => renderHelpWith(colors, version, COMMANDS);
const renderCommandHelp = (name: string, colors: Colors): string => {
  const command = COMMANDS.find((c) => c.name === name);
  assert.ok(command !== undefined, name);
  return renderHelpOf(command, colors);
};

const plain = createColors(false);
const colored = createColors(true);

void describe('renderHelp', () => {
  const text = renderHelp(plain, '1.2.3');
  const lines = text.split('\n');

  void it('starts with the welcome title and a documentation line', () => {
    assert.equal(lines[0], 'Welcome to Procodile v1.2.3');
    assert.match(lines[1] ?? '', /^For documentation see .*README/);
    assert.equal(lines[2], '');
    assert.equal(lines[3], 'The following commands are supported:');
    assert.equal(lines[4], '');
  });

  void it('lists every command alphabetically, name padded to 18 columns', () => {
    const commandLines = lines.slice(5, 5 + COMMAND_NAMES.length);
    const names = commandLines.map((line) => line.slice(2, 20).trimEnd());
    assert.deepEqual(names, [...COMMAND_NAMES].sort());
    assert.ok(commandLines.includes(`  ${'help'.padEnd(18)} Show this help output`));
    assert.ok(commandLines.includes(`  ${'check_concurrency'.padEnd(18)} Check process concurrency`));
    assert.ok(commandLines.every((line) => line.charAt(20) === ' ' && line.charAt(21) !== ' '));
  });

  void it('ends with a blank line and the --help hint', () => {
    const tail = lines.slice(5 + COMMAND_NAMES.length);
    assert.equal(tail[0], '');
    assert.match(tail.join('\n'), /--help/);
    assert.match(tail.join('\n'), /procodile start --help/);
  });

  void it('ends every line, the last one included, with a newline', () => {
    assert.match(text, /'procodile start --help'\.\n$/);
    for (const name of COMMAND_NAMES) assert.match(renderCommandHelp(name, plain), /[^\n]\n$/, name);
  });

  void it('colours the title magenta and the command names blue', () => {
    const colourful = renderHelp(colored, '1.2.3');
    assert.ok(colourful.includes(colored.bgMagenta(colored.white('Welcome to Procodile v1.2.3'))));
    assert.ok(colourful.includes(colored.blue('start'.padEnd(18))));
  });
});

void describe('renderCommandHelp', () => {
  void it('start -h shows usage, both headers and every start option (scenario 21)', () => {
    const text = renderCommandHelp('start', plain);
    const lines = text.split('\n');
    assert.equal(lines[0], 'Usage: procodile start [options]');
    assert.ok(lines.includes('Global options (can be used before or after the subcommand):'));
    assert.ok(lines.includes('Subcommand options:'));
    assert.ok(
      lines.indexOf('Global options (can be used before or after the subcommand):') < lines.indexOf('Subcommand options:'),
    );
    for (const flag of [
      '-r, --root PATH',
      '--procfile PATH',
      '-h, --help',
      '-v, --version',
      '-d, --dev',
      '-f, --foreground',
      '-x, --proxy',
      '-p, --processes a,b,c',
      '-t, --tag TAGNAME',
      '--clean',
      '--env-file [FILE]',
      '--no-supervisor',
      '--no-processes',
      '--no-respawn',
      '--ports NAME:PORT,...',
      '--stop-when-none',
      '--wait',
    ]) {
      assert.ok(text.includes(flag), flag);
    }
  });

  void it('status -h lists the status formats (scenario 22)', () => {
    const text = renderCommandHelp('status', plain);
    assert.match(text, /^Usage: procodile status \[options\]/);
    assert.match(text, /Global options \(can be used before or after the subcommand\):/);
    assert.match(text, /Subcommand options:/);
    for (const flag of ['--json ', '--json-pretty', '--simple']) assert.ok(text.includes(flag), flag);
    assert.ok(!text.includes('--stop-when-none'));
  });

  void it('aligns every help text in one column', () => {
    const text = renderCommandHelp('start', plain);
    const optionLines = text.split('\n').filter((line) => line.startsWith('    -') || line.startsWith('        --'));
    assert.equal(optionLines.length, 18);
    // Where the help text starts: after the padded flag column.
    const columns = new Set(optionLines.map((line) => line.search(/ {2}[A-Z]/)));
    assert.equal(columns.size, 1, [...columns].join(','));
    assert.ok(text.includes('Run in development mode'));
  });

  void it('covers the new check and systemd commands', () => {
    assert.match(renderCommandHelp('check', plain), /--all/);
    const systemd = renderCommandHelp('systemd', plain);
    assert.match(systemd, /--mode simple\|oneshot/);
    assert.match(systemd, /--user/);
  });

  void it('says so when a command has no options, and explains exec', () => {
    assert.match(renderCommandHelp('kill', plain), /Subcommand options:\n {4}\(none\)/);
    assert.match(renderCommandHelp('exec', plain), /before the command, or before a `--`; from the command's first word on, every word is the command's/);
  });
});

void describe('renderInvalidCommand', () => {
  void it('names the word and points at procodile help', () => {
    assert.equal(
      renderInvalidCommand('not-a-command'),
      "Invalid command `not-a-command', run `procodile help' for supported commands.",
    );
  });
});
