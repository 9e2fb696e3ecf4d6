// Every command's description and options as plain data: the parser and the help texts both
// read this table, so an option cannot be accepted without being documented or vice versa.
import { COMMAND_NAMES, type CommandName } from './args.js';

/** Whether an option takes a value: never, always, or only when the next word is not an option. */
export type OptionValueKind = 'none' | 'required' | 'optional';

export interface OptionSpec {
  /** Long name without dashes; also the key in `ParsedArgs.options`. */
  long: string;
  /** Single letter for the `-x` form, if any. */
  short?: string;
  value: OptionValueKind;
  /** Shown after the flag in help (`a,b,c`, `PATH`). Optional values are shown in brackets. */
  placeholder?: string;
  /** Value recorded when an optional-value option is given without one. */
  defaultValue?: string;
  /** The only accepted values, checked by the parser. */
  choices?: readonly string[];
  /** Flags this one switches on as well (`--dev` means foreground, proxy, ...). */
  implies?: readonly string[];
  help: string;
}

export interface CommandSpec {
  name: CommandName;
  description: string;
  options: readonly OptionSpec[];
  /** Extra line for the command's `--help`, for commands whose arguments are not options. */
  note?: string;
}

/** Accepted before or after the command word; the parser stores them in `ParsedArgs.global`. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { long: 'root', short: 'r', value: 'required', placeholder: 'PATH', help: 'The path to the root of your application' },
  { long: 'procfile', value: 'required', placeholder: 'PATH', help: 'The path to the Procfile (default: Procfile)' },
  { long: 'help', short: 'h', value: 'none', help: 'Show this help message and exit' },
  { long: 'version', short: 'v', value: 'none', help: 'Show the version and exit' },
];

const processesOption = (help: string): OptionSpec => ({
  long: 'processes',
  short: 'p',
  value: 'required',
  placeholder: 'a,b,c',
  help,
});

const tagOption = (help: string): OptionSpec => ({
  long: 'tag',
  short: 't',
  value: 'required',
  placeholder: 'TAGNAME',
  help,
});

// Description text follows Procodile 2's `help` output so existing users recognise it.
const TABLE: Record<CommandName, Omit<CommandSpec, 'name'>> = {
  check_concurrency: {
    description: 'Check process concurrency',
    options: [{ long: 'no-reload', value: 'none', help: 'Do not reload the configuration before checking' }],
  },
  check: {
    description: 'Validate the configuration and find conflicts between applications',
    options: [
      {
        long: 'all',
        value: 'none',
        help: 'Check every application listed in /etc/procodile (or PROCODILE_CONFIG)',
      },
    ],
  },
  completion: {
    description: 'Print a shell completion script (bash, zsh or fish)',
    options: [
      {
        long: 'processes',
        value: 'none',
        help: "Print the process names of the application's Procfile, one a line (the scripts ask for them)",
      },
    ],
    note: 'Usage: procodile completion bash|zsh|fish. Load it with `source <(procodile completion bash)` (zsh alike) or `procodile completion fish | source`.',
  },
  console: { description: 'Open a console within the environment', options: [] },
  exec: {
    description: 'Execute a command within the environment',
    options: [],
    note: 'Options (-r, --procfile) go before the command, or before a `--`; from the command\'s first word on, every word is the command\'s.',
  },
  export: {
    description: 'Write units, manifests or jobs that run this application under systemd, Kubernetes, Compose or Nomad',
    note: 'Give the format after `export`: systemd, kubernetes, compose or nomad.',
    options: [
      { long: 'out', short: 'o', value: 'required', placeholder: 'DIR', help: 'Write one file per unit or manifest into DIR (default: print them)' },
      { long: 'image', value: 'required', placeholder: 'IMAGE', help: 'Container image (required for kubernetes; compose builds the root without it)' },
      { long: 'namespace', value: 'required', placeholder: 'NS', help: 'Kubernetes or Nomad namespace' },
      { long: 'user-units', value: 'none', help: 'systemd: units for systemctl --user' },
      { long: 'env-file', value: 'optional', placeholder: 'FILE', defaultValue: '.env', help: 'The env file the processes read, relative to the root (default: .env)' },
      { long: 'force', value: 'none', help: 'Replace files in DIR that procodile export did not write' },
    ],
  },
  help: { description: 'Show this help output', options: [] },
  kill: { description: 'Forcefully kill all managed processes', options: [] },
  log: {
    description: 'Show and follow the process logs, merged and prefixed as in the foreground',
    options: [
      { long: 'follow', short: 'f', value: 'none', help: 'Keep printing lines appended to the logs (follows rotations)' },
      { long: 'lines', short: 'n', value: 'required', placeholder: 'LINES', help: 'Number of lines of each log to print first (default: 10)' },
      // `--process` (singular) is Procodile's own spelling for this command.
      {
        long: 'process',
        short: 'p',
        value: 'required',
        placeholder: 'a,b,c',
        help: 'Only these processes or instances (NAME or NAME.N; NAME.N needs log_per_instance)',
      },
      { long: 'supervisor', value: 'none', help: 'Include the supervisor log (procodile.log)' },
      { long: 'grep', value: 'required', placeholder: 'PATTERN', help: 'Only lines matching this regular expression' },
    ],
  },
  reload: { description: 'Reload Procodile configuration', options: [] },
  restart: {
    description: 'Restart processes',
    options: [
      processesOption('Only restart the listed processes or instances (NAME or NAME.N)'),
      tagOption('Tag all restarted processes with the given tag'),
    ],
  },
  run: {
    description: 'Execute a command within the environment',
    options: [],
    note: 'Options (-r, --procfile) go before the command, or before a `--`; from the command\'s first word on, every word is the command\'s.',
  },
  start: {
    description: 'Starts processes and/or the supervisor',
    options: [
      processesOption('Only start the listed processes'),
      tagOption('Tag all started processes with the given tag'),
      { long: 'no-supervisor', value: 'none', help: 'Do not start a supervisor if it is not running' },
      {
        long: 'no-processes',
        value: 'none',
        help: 'Do not start any processes (only applicable when the supervisor is stopped)',
      },
      { long: 'foreground', short: 'f', value: 'none', help: 'Run the supervisor in the foreground' },
      { long: 'clean', value: 'none', help: 'Remove all previous pid and sock files before starting' },
      { long: 'no-respawn', value: 'none', help: 'Disable respawning for all processes' },
      { long: 'stop-when-none', value: 'none', help: 'Stop the supervisor when all processes are stopped' },
      { long: 'proxy', short: 'x', value: 'none', help: 'Enable the Procodile proxy service' },
      {
        long: 'ports',
        value: 'required',
        placeholder: 'NAME:PORT,...',
        help: 'Choose ports to allocate to processes (0 picks a free port)',
      },
      {
        long: 'env-file',
        value: 'optional',
        placeholder: 'FILE',
        defaultValue: '.env',
        help: 'Load environment variables from FILE, relative to the root (default: .env)',
      },
      {
        long: 'dev',
        short: 'd',
        value: 'none',
        implies: ['foreground', 'proxy', 'stop-when-none', 'no-respawn'],
        help: 'Run in development mode (foreground, proxy, no respawn, stop when none)',
      },
    ],
  },
  status: {
    description: 'Show the current status of processes',
    options: [
      { long: 'json', value: 'none', help: 'Print the status as JSON' },
      { long: 'json-pretty', value: 'none', help: 'Print the status as indented JSON' },
      { long: 'simple', value: 'none', help: 'Print a one-line summary of the status' },
    ],
  },
  stop: {
    description: 'Stops processes and/or the supervisor',
    options: [
      processesOption('Only stop the listed processes or instances (NAME or NAME.N)'),
      {
        long: 'stop-supervisor',
        short: 's',
        value: 'none',
        help: 'Stop the supervisor once its processes have stopped',
      },
      { long: 'wait', value: 'none', help: 'Wait until the supervisor has stopped before exiting' },
    ],
  },
  systemd: {
    description: 'Print a systemd unit for this application',
    options: [
      {
        long: 'mode',
        value: 'required',
        placeholder: 'simple|oneshot',
        choices: ['simple', 'oneshot'],
        help: 'Unit type: simple runs the supervisor in the foreground (recommended), oneshot starts a daemon',
      },
      { long: 'user', value: 'none', help: 'Print a user unit (systemctl --user) instead of a system unit' },
    ],
  },
};

export const COMMANDS: readonly CommandSpec[] = COMMAND_NAMES.map((name) => ({ name, ...TABLE[name] }));

export function isCommandName(word: string): word is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(word);
}

export function commandSpec(name: CommandName): CommandSpec {
  return { name, ...TABLE[name] };
}

/** Commands whose words after the command word are all the command to run, flags included. */
export const PASSTHROUGH_COMMANDS: readonly CommandName[] = ['exec', 'run'];

/** Commands that accept no extra words (processes are chosen with `-p`). */
export const NO_EXTRA_ARGS_COMMANDS: readonly CommandName[] = ['start', 'stop', 'restart'];
