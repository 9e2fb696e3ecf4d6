// `procodile check` (D7): validates one application's configuration, or every application of
// the global configuration, and reports settings two applications would fight over.
import { DEFAULT_GLOBAL_CONFIG, readGlobalConfig } from '../../config/app-resolution.js';
import { findConflicts } from '../../config/conflicts.js';
import { loadConfig } from '../../config/load-config.js';
import type { AppConfig } from '../../config/types.js';
import { ProcodileError } from '../../errors.js';
import type { ParsedArgs } from '../args.js';
import type { Terminal } from '../terminal.js';

export interface CheckInput {
  args: ParsedArgs;
  term: Terminal;
  env: NodeJS.ProcessEnv;
  /** The current application, when not checking every configured one. */
  app?: AppConfig;
}

export function runCheck(input: CheckInput): number {
  const { term } = input;
  const configs: AppConfig[] = [];
  let problems = 0;
  if (input.args.options.all === true) {
    const path = input.env.PROCODILE_CONFIG ?? DEFAULT_GLOBAL_CONFIG;
    const entries = readGlobalConfig(path);
    if (!entries.ok) throw entries.error;
    if (entries.value.length === 0) throw new ProcodileError('GLOBAL_CONFIG_INVALID', `No applications are configured in ${path}`);
    for (const entry of entries.value) {
      const loaded = loadConfig({ root: entry.root, procfile: entry.procfile });
      const label = entry.name ?? entry.root;
      if (loaded.ok) {
        configs.push(loaded.value);
        term.out(`${term.color.green('ok')}      ${label}: ${loaded.value.processes.length} processes`);
      } else {
        problems += 1;
        term.out(`${term.color.red('error')}   ${label}: ${loaded.error.message}`);
      }
    }
  } else if (input.app !== undefined) {
    configs.push(input.app);
    term.out(`${term.color.green('ok')}      ${input.app.root}: ${input.app.processes.length} processes`);
  }
  for (const conflict of findConflicts(configs)) {
    problems += 1;
    term.out(`${term.color.red('conflict')} ${conflict}`);
  }
  return problems > 0 ? 1 : 0;
}
