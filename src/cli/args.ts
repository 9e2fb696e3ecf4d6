// What the argument parser produces: the command word, global options, the command's own
// options keyed by their long name, and the leftover words.

export const COMMAND_NAMES = [
  'check_concurrency',
  'check',
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
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

export interface GlobalOptions {
  root?: string;
  procfile?: string;
  help: boolean;
  version: boolean;
}

export interface ParsedArgs {
  /** The recognised command, if any. */
  command?: CommandName;
  /** The first leftover word when no command word was recognised. */
  invalidCommand?: string;
  global: GlobalOptions;
  /**
   * Command options by long name without dashes (`processes`, `foreground`, `env-file`, ...).
   * Flags are `true`; negated flags (`--no-respawn`) are stored as `no-respawn: true`.
   */
  options: Record<string, string | true>;
  /** Non-option words (for exec/run: the command and all its words, `--` removed). */
  extraArgs: string[];
}
