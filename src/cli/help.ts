// The help texts: the command list (`procodile help`), one command's options (`start --help`)
// and the unknown-command message. Built from the command definitions; returned, never printed.
import { GLOBAL_OPTIONS } from './args.js';
import type { Command } from './define-command.js';
import type { OptionSpec } from './option-spec.js';
import type { Colors } from './terminal.js';

// The npm page shows the package's README.
export const DOCS_URL = 'https://www.npmjs.com/package/procodile';
const COMMAND_COLUMN = 18;
// Procodile 2's option parser puts descriptions in column 37; wider flags push them further.
const MIN_FLAG_COLUMN = 33;

export function renderHelp(colors: Colors, version: string, all: readonly Command[]): string {
  const commands = [...all].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [
    colors.bgMagenta(colors.white(`Welcome to Procodile v${version}`)),
    `For documentation see the README at ${DOCS_URL}`,
    '',
    'The following commands are supported:',
    '',
    ...commands.map((c) => `  ${colors.blue(c.name.padEnd(COMMAND_COLUMN))} ${c.description}`),
    '',
    'For details of the options available for each command, use the --help option.',
    "For example 'procodile start --help'.",
    '',
  ].join('\n');
}

function flagText(spec: OptionSpec): string {
  // Long-only options are indented so every `--name` lines up under `-x, --name`.
  const names = spec.short === undefined ? `    --${spec.long}` : `-${spec.short}, --${spec.long}`;
  if (spec.value === 'none') return names;
  return spec.value === 'optional' ? `${names} [${spec.placeholder}]` : `${names} ${spec.placeholder}`;
}

function optionLines(specs: readonly OptionSpec[], width: number, colors: Colors): string[] {
  return specs.map((spec) => `    ${colors.blue(flagText(spec).padEnd(width))}${spec.help}`);
}

export function renderCommandHelp(spec: Command, colors: Colors): string {
  const all = [...GLOBAL_OPTIONS, ...spec.options];
  const width = Math.max(MIN_FLAG_COLUMN, ...all.map((o) => flagText(o).length + 2));
  const lines = [
    `Usage: procodile ${spec.name} [options]`,
    '',
    'Global options (can be used before or after the subcommand):',
    ...optionLines(GLOBAL_OPTIONS, width, colors),
    '',
    'Subcommand options:',
    ...(spec.options.length > 0 ? optionLines(spec.options, width, colors) : ['    (none)']),
  ];
  if (spec.note !== undefined) lines.push('', spec.note);
  // Complete lines, so the text can be written anywhere (a pipe, a file) as it is.
  return `${lines.join('\n')}\n`;
}

export function renderInvalidCommand(word: string): string {
  return `Invalid command \`${word}', run \`procodile help' for supported commands.`;
}
