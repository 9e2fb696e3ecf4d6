// What the argument parser produces for a command: the global options, the command's own
// options keyed by their long name, and the leftover words; and the global options' specs.
import type { OptionSpec, RawOptions } from './option-spec.js';

export interface GlobalOptions {
  root?: string;
  procfile?: string;
  help: boolean;
  version: boolean;
}

export interface CommandArgs {
  global: GlobalOptions;
  /**
   * Command options by long name without dashes (`processes`, `foreground`, `env-file`, ...).
   * Flags are `true`; negated flags (`--no-respawn`) are stored as `no-respawn: true`. Commands
   * read them typed, through `CommandContext.options`.
   */
  options: RawOptions;
  /** Non-option words (for exec/run: the command and all its words, `--` removed). */
  extraArgs: string[];
}

/** Accepted before or after the command word; the parser stores them in `CommandArgs.global`. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { long: 'root', short: 'r', value: 'required', placeholder: 'PATH', help: 'The path to the root of your application' },
  { long: 'procfile', value: 'required', placeholder: 'PATH', help: 'The path to the Procfile (default: Procfile)' },
  { long: 'help', short: 'h', value: 'none', help: 'Show this help message and exit' },
  { long: 'version', short: 'v', value: 'none', help: 'Show the version and exit' },
];
