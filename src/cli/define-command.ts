// One CLI command as one object: its name, help, typed options, what the CLI edge does for it
// before it runs (load the application, create the pid directory, re-run as the configured
// user...) and the run itself. Parser, help, completion scripts and main.ts all read these.
import type { AppConfig } from '../config/types.js';
import type { CommandArgs } from './args.js';
import { readOptions, type OptionSpec, type OptionValues, type RawOptions } from './option-spec.js';
import type { Terminal } from './terminal.js';

/**
 * What happens when the application's files cannot be loaded. `refuse`: the error ends the
 * command. `use-pid-directory`: a command that acts on a running supervisor, or only on its pid
 * files, goes on with the pid directory (the supervisor runs on what it loaded before) and
 * warns. `supervisor-reports`: the same, without the warning, for commands that have the
 * supervisor re-read the files and report their errors itself.
 */
export type BrokenConfigPolicy = 'refuse' | 'use-pid-directory' | 'supervisor-reports';

/**
 * The words after the command that are not options. `accepted`: handed to the command as
 * `args.extraArgs`. `rejected`: a mistake (processes are chosen with `-p`). `command-line`:
 * from the first such word on, every word is the command line to run, flags included.
 */
export type ExtraWords = 'accepted' | 'rejected' | 'command-line';

type FlagOf<O> = { [K in keyof O]: O[K] extends boolean ? K : never }[keyof O];

/** Whether the command needs the application: always, never, or unless the flag is given. */
export type LoadsApp<O> = boolean | { unless: FlagOf<O> };

export interface CommandBehaviour<O, L extends LoadsApp<O>> {
  /** Default true. */
  loadsApp?: L;
  /** Default true; reading commands leave the disk as it is. Only for commands that load the app. */
  createsPidDirectory?: boolean;
  /** Default true: with `user:` set, the command re-runs itself as that user through sudo. */
  runsAsConfiguredUser?: boolean;
  /** Default `refuse`. */
  brokenConfig?: BrokenConfigPolicy;
  /** Default `accepted`. */
  extraWords?: ExtraWords;
}

type AppFor<L> = L extends true ? AppConfig : L extends false ? undefined : AppConfig | undefined;

/** What a command's run receives from the CLI edge. */
export interface CommandContext<Specs extends readonly OptionSpec[] = readonly [], App = AppConfig> {
  /** The command's options, typed from its option specs. */
  options: OptionValues<Specs>;
  /** The global options and the words that are not options. */
  args: Omit<CommandArgs, 'options'>;
  term: Terminal;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Absolute path of the bundled CLI, for re-executing ourselves (daemon, sudo). */
  cliPath: string;
  /** The original argv after `node -- cli`, for the daemon re-exec. */
  argv: string[];
  /** The resolved and loaded application, for commands that load it. */
  app: App;
  /** Every command's definition, loaded on demand (help and completion list them all). */
  commands: () => Promise<readonly Command[]>;
}

export interface CommandDefinition<Specs extends readonly OptionSpec[], L extends LoadsApp<OptionValues<Specs>>> {
  name: string;
  /** One line, for `procodile help` and the completion scripts. */
  description: string;
  options: Specs;
  /** Extra line for the command's `--help`, for commands whose arguments are not options. */
  note?: string;
  behaviour?: CommandBehaviour<OptionValues<Specs>, L>;
  /** Returns the exit code; only main.ts turns it into the process's exit. */
  run: (ctx: CommandContext<Specs, AppFor<L>>) => Promise<number> | number;
}

/** What the CLI edge runs: the raw parsed options in, the command's typed view made inside. */
export interface CommandRun extends Omit<CommandContext, 'options' | 'args' | 'app'> {
  args: CommandArgs;
  app: AppConfig | undefined;
}

/** A command as the parser, help, completion and main.ts see it: every default filled in. */
export interface Command {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  readonly note?: string;
  readonly createsPidDirectory: boolean;
  readonly runsAsConfiguredUser: boolean;
  readonly brokenConfig: BrokenConfigPolicy;
  readonly extraWords: ExtraWords;
  loadsApp(options: RawOptions): boolean;
  run(ctx: CommandRun): Promise<number>;
}

export function defineCommand<const Specs extends readonly OptionSpec[], L extends LoadsApp<OptionValues<Specs>> = true>(
  definition: CommandDefinition<Specs, L>,
): Command {
  const { name, description, options, note, behaviour = {}, run } = definition;
  const loads = behaviour.loadsApp ?? true;
  const loadsApp = (raw: RawOptions): boolean =>
    typeof loads === 'boolean' ? loads : readOptions(options, raw)[loads.unless] !== true;
  return {
    name,
    description,
    options,
    ...(note === undefined ? {} : { note }),
    createsPidDirectory: behaviour.createsPidDirectory ?? true,
    runsAsConfiguredUser: behaviour.runsAsConfiguredUser ?? true,
    brokenConfig: behaviour.brokenConfig ?? 'refuse',
    extraWords: behaviour.extraWords ?? 'accepted',
    loadsApp,
    run: async ({ args, app, ...rest }) => {
      const typed = readOptions(options, args.options);
      if (loadsApp(args.options) && app === undefined) throw new Error(`Internal error: ${name} ran without its application`);
      return run({ ...rest, args: { global: args.global, extraArgs: args.extraArgs }, options: typed, app: app as AppFor<L> });
    },
  };
}
