// What every command handler receives from the CLI edge.
import type { AppConfig } from '../config/types.js';
import type { ParsedArgs } from './args.js';
import type { Terminal } from './terminal.js';

export interface CommandContext {
  args: ParsedArgs;
  term: Terminal;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Absolute path of the bundled CLI, for re-executing ourselves (daemon, sudo). */
  cliPath: string;
  /** The original argv after `node -- cli`, for the daemon re-exec. */
  argv: string[];
  /** Resolves and loads the application; throws ProcodileError on a user mistake. */
  app: AppConfig;
}

/** A command returns its exit code; only main.ts turns it into the process's exit. */
export type CommandHandler = (ctx: CommandContext) => Promise<number>;
