// Re-runs the whole command as the application's configured user through sudo (spec 3.5).
import { spawnSync } from 'node:child_process';
import type { AppConfig } from '../config/types.js';
import { ProcodileError } from '../errors.js';
import type { Terminal } from './terminal.js';

/** The exit status of the re-run command, or undefined when we already are that user. */
export function reexecAsUser(config: AppConfig, term: Terminal, cliPath: string, argv: string[]): number | undefined {
  // Q15: an unset USER counts as a different user rather than a crash.
  if (config.user === undefined || config.user === process.env.USER) return undefined;
  term.err(term.errColor.red(`Procodile must be run as ${config.user}. Re-executing as ${config.user}...`));
  const result = spawnSync('sudo', ['-H', '-u', config.user, '--', process.execPath, '--', cliPath, ...argv], {
    stdio: 'inherit',
  });
  if (result.error !== undefined) {
    throw new ProcodileError('COMMAND_INVALID', `Could not re-execute through sudo: ${result.error.message}`);
  }
  return result.status ?? 1;
}
