// `procodile check` (D7): validates one application's configuration, or every application of
// the global configuration, and reports settings two applications would fight over.
import { DEFAULT_GLOBAL_CONFIG, readGlobalConfig } from '../../config/app-resolution.js';
import { findConflicts } from '../../config/conflicts.js';
import { loadConfig } from '../../config/load-config.js';
import { portWarnings } from '../../config/port-warnings.js';
import type { AppConfig } from '../../config/types.js';
import { ProcodileError } from '../../errors.js';
import { perlWarnings } from '../../supervisor/notify-receiver.js';
import { defineCommand, type CommandContext } from '../define-command.js';
import { missingUser } from '../reexec-as-user.js';

const processCount = (app: AppConfig): string => `${app.processes.length} process${app.processes.length === 1 ? '' : 'es'}`;

/** `app`: the current application, when not checking every configured one. */
function runCheck(input: CommandContext<typeof OPTIONS, AppConfig | undefined>): number {
  const { term } = input;
  const configs: AppConfig[] = [];
  let problems = 0;
  if (input.options.all) {
    const path = input.env.PROCODILE_CONFIG ?? DEFAULT_GLOBAL_CONFIG;
    const entries = readGlobalConfig(path);
    if (!entries.ok) throw entries.error;
    if (entries.value.length === 0) throw new ProcodileError('GLOBAL_CONFIG_INVALID', `No applications are configured in ${path}`);
    for (const entry of entries.value) {
      const loaded = loadConfig({ root: entry.root, procfile: entry.procfile });
      const label = entry.name ?? entry.root;
      // Every other command refuses an application whose user does not exist: so does check.
      const error = loaded.ok ? missingUser(loaded.value) : loaded.error;
      if (loaded.ok) configs.push(loaded.value);
      if (error === undefined && loaded.ok) {
        term.out(`${term.color.green('ok')}      ${label}: ${processCount(loaded.value)}`);
      } else {
        problems += 1;
        term.out(`${term.color.red('error')}   ${label}: ${error?.message ?? ''}`);
      }
    }
  } else if (input.app !== undefined) {
    configs.push(input.app);
    const error = missingUser(input.app);
    if (error === undefined) {
      term.out(`${term.color.green('ok')}      ${input.app.root}: ${processCount(input.app)}`);
    } else {
      problems += 1;
      term.out(`${term.color.red('error')}   ${input.app.root}: ${error.message}`);
    }
  }
  const warnings = [...configs.flatMap(portWarnings), ...configs.flatMap((app) => perlWarnings(app, input.env.PATH))];
  for (const warning of warnings) term.out(`${term.color.yellow('warning')} ${warning}`);
  for (const conflict of findConflicts(configs)) {
    problems += 1;
    term.out(`${term.color.red('conflict')} ${conflict}`);
  }
  return problems > 0 ? 1 : 0;
}

const OPTIONS = [
  {
    long: 'all',
    value: 'none',
    help: 'Check every application listed in /etc/procodile (or PROCODILE_CONFIG)',
  },
] as const;

export const checkCommand = defineCommand({
  name: 'check',
  description: 'Validate the configuration and find conflicts between applications',
  options: OPTIONS,
  // Reading only: `check` of an app that never ran creates nothing, and runs as whoever asks.
  behaviour: { loadsApp: { unless: 'all' }, createsPidDirectory: false, runsAsConfiguredUser: false },
  run: runCheck,
});
