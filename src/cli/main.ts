// The CLI edge: parse argv, find the application, run one command, print its errors, and
// turn everything into an exit code. The only module that ends the process.
import { existsSync } from 'node:fs';
import { resolveAppLocation } from '../config/app-resolution.js';
import { loadConfig } from '../config/load-config.js';
import type { AppConfig } from '../config/types.js';
import { ensurePidDirectory } from '../daemon/pid-directory.js';
import { ProcodileError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CommandName, ParsedArgs } from './args.js';
import type { CommandContext, CommandHandler } from './context.js';
import { renderCommandHelp, renderHelp, renderInvalidCommand } from './help.js';
import { commandForHelp, parseArgs, rejectExtraArgs } from './parser.js';
import { processTerminal, type Terminal } from './terminal.js';

const HANDLERS: Record<Exclude<CommandName, 'help' | 'check' | 'completion'>, () => Promise<CommandHandler>> = {
  start: () => import('./commands/start.js').then((m) => m.runStart),
  stop: () => import('./commands/stop.js').then((m) => m.runStop),
  status: () => import('./commands/status.js').then((m) => m.runStatus),
  kill: () => import('./commands/kill.js').then((m) => m.runKill),
  restart: () => import('./commands/restart.js').then((m) => m.runRestart),
  reload: () => import('./commands/reload.js').then((m) => m.runReload),
  check_concurrency: () => import('./commands/check-concurrency.js').then((m) => m.runCheckConcurrency),
  systemd: () => import('./commands/systemd.js').then((m) => m.runSystemd),
  log: () => import('./commands/log.js').then((m) => m.runLog),
  exec: () => import('./commands/exec.js').then((m) => m.runExec),
  run: () => import('./commands/exec.js').then((m) => m.runExec),
  console: () => import('./commands/exec.js').then((m) => m.runConsole),
  export: () => import('./commands/export.js').then((m) => m.runExport),
};

/**
 * Commands that act on a running supervisor, or only on its pid files, and so must work while
 * the files on disk are broken: the supervisor runs on what it loaded before, and restart,
 * reload and check_concurrency have it re-read the files and report their errors itself.
 */
const TOLERANT: ReadonlySet<CommandName> = new Set(['stop', 'status', 'kill', 'restart', 'reload', 'check_concurrency']);
const RELOADING: ReadonlySet<CommandName> = new Set(['restart', 'reload', 'check_concurrency']);

/** The application, and whether its files loaded (else only its runtime paths are known). */
async function loadApp(args: ParsedArgs, term: Terminal): Promise<{ app: AppConfig; loaded: boolean }> {
  const location = await resolveAppLocation({
    cwd: process.cwd(),
    root: args.global.root,
    procfile: args.global.procfile,
    env: process.env,
    choose: (entries, path) => import('./app-chooser.js').then((m) => m.chooseApp(term, entries, path)),
  });
  if (!location.ok) throw location.error;
  const config = loadConfig(location.value);
  if (!config.ok) {
    const fallback = args.command !== undefined && TOLERANT.has(args.command) && config.error.code !== 'PROCFILE_NOT_FOUND'
      ? (await import('../config/runtime-paths.js')).runtimePaths(location.value)
      : undefined;
    if (fallback === undefined || !existsSync(fallback.supervisorPidPath)) throw config.error;
    // restart, reload and check_concurrency hear of the error from the supervisor itself.
    if (args.command !== undefined && !RELOADING.has(args.command)) {
      term.err(term.errColor.yellow(`Warning: ${config.error.message}`));
      term.err(
        term.errColor.yellow(
          `Going on with the pid directory ${fallback.pidRoot}: the supervisor runs on the configuration it loaded before. Fix the file before the next start or reload.`,
        ),
      );
    }
    return { app: fallback, loaded: false };
  }
  return { app: config.value, loaded: true };
}

function cliPath(): string {
  return process.argv[1] ?? 'procodile';
}

export async function main(argv: string[], term: Terminal): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    const { error } = parsed;
    if (error.code === 'INVALID_OPTION' || error.code === 'MISSING_OPTION_VALUE') {
      const command = commandForHelp(argv);
      term.err(error.message);
      term.err('');
      term.err(command === undefined ? renderHelp(term.errColor, VERSION) : renderCommandHelp(command, term.errColor));
      return 1;
    }
    throw error;
  }
  const args = parsed.value;
  // Asked-for output goes to stdout, so `procodile --version | cat` and `start --help | less` work.
  if (args.global.version) {
    term.out(VERSION);
    return 0;
  }
  if (args.global.help) {
    term.out(args.command === undefined ? renderHelp(term.color, VERSION) : renderCommandHelp(args.command, term.color));
    return 0;
  }
  if (args.invalidCommand !== undefined) throw new ProcodileError('INVALID_COMMAND', renderInvalidCommand(args.invalidCommand));
  if (args.command === undefined || args.command === 'help') {
    term.out(renderHelp(term.color, VERSION));
    return 0;
  }
  const extra = rejectExtraArgs(args);
  if (!extra.ok) throw extra.error;
  if (args.command === 'check') {
    const { runCheck } = await import('./commands/check.js');
    const app = args.options.all === true ? undefined : (await loadApp(args, term)).app;
    return runCheck({ args, term, env: process.env, app });
  }
  if (args.command === 'completion') return (await import('./commands/completion.js')).runCompletion(args, term);
  const load = HANDLERS[args.command]();
  const { app, loaded } = await loadApp(args, term);
  // export only reads the configuration: `user:` is something it maps, not whom to run as.
  const viaSudo = app.user === undefined || args.command === 'export' ? undefined : (await import('./reexec-as-user.js')).reexecAsUser(app, term, cliPath(), argv);
  if (viaSudo !== undefined) return viaSudo;
  // Only now, as the user the application runs as, so that the directory is theirs. `systemd`
  // and `export` only read, and leave the disk as it is.
  if (loaded && args.command !== 'systemd' && args.command !== 'export') ensurePidDirectory(app.pidRoot);
  const context: CommandContext = { args, term, env: process.env, cwd: process.cwd(), cliPath: cliPath(), argv, app };
  return (await load)(context).catch(async (error: unknown) => {
    if (!(error instanceof ProcodileError) || error.code !== 'SUPERVISOR_NOT_RUNNING') throw error;
    throw (await import('./supervisor-not-running.js')).explainNotRunning(app, error);
  });
}

function reportError(error: unknown, term: Terminal): number {
  if (error instanceof ProcodileError) {
    term.err(term.errColor.red(`Error: ${error.message}`));
    return 1;
  }
  term.err(term.errColor.red(`Internal error: ${(error as Error).stack ?? String(error)}`));
  term.err('This is a bug in procodile; please report it with the command you ran.');
  return 2;
}

const terminal = processTerminal();
// Output must leave before the exit (a slow reader of a pipe would lose the rest).
const exit = (code: number): Promise<never> => terminal.flush().then(() => process.exit(code));
void main(process.argv.slice(2), terminal).then(exit, (error: unknown) => exit(reportError(error, terminal)));
