// The CLI edge: parse argv, find the application, run one command, print its errors, and
// turn everything into an exit code. The only module that ends the process.
import { existsSync } from 'node:fs';
import { resolveAppLocation } from '../config/app-resolution.js';
import { loadConfig } from '../config/load-config.js';
import type { AppConfig } from '../config/types.js';
import { awaitHandOver, isEarlyDaemon } from '../daemon/early-daemon.js';
import { ensurePidDirectory } from '../daemon/pid-directory.js';
import { ProcodileError, type Result } from '../errors.js';
import { VERSION } from '../version.js';
import { loadAllCommands, loadCommand } from './command-registry.js';
import type { Command, CommandRun } from './define-command.js';
import { renderCommandHelp, renderHelp, renderInvalidCommand } from './help.js';
import { commandForHelp, findCommandWord, parseArgs, rejectExtraArgs, type ParsedArgs } from './parser.js';
import { processTerminal, type Terminal } from './terminal.js';

/** The application, and whether its files loaded (else only its runtime paths are known). */
async function loadApp(args: ParsedArgs, command: Command, term: Terminal): Promise<{ app: AppConfig; loaded: boolean }> {
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
    const fallback = command.brokenConfig !== 'refuse' && config.error.code !== 'PROCFILE_NOT_FOUND'
      ? (await import('../config/runtime-paths.js')).runtimePaths(location.value)
      : undefined;
    if (fallback === undefined || !existsSync(fallback.supervisorPidPath)) throw config.error;
    // With `supervisor-reports`, the supervisor re-reads the files and reports the error itself.
    if (command.brokenConfig === 'use-pid-directory') {
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

/** The command word's definition is loaded first: it says which options the rest of argv may hold. */
async function parseCommandLine(argv: string[]): Promise<{ parsed: Result<ParsedArgs>; command?: Command }> {
  const word = findCommandWord(argv);
  const command = word === undefined ? undefined : await loadCommand(word);
  return { parsed: parseArgs(argv, command === undefined ? [] : [command]), command };
}

export async function main(argv: string[], term: Terminal): Promise<number> {
  const { parsed, command } = await parseCommandLine(argv);
  if (!parsed.ok) {
    const { error } = parsed;
    if (error.code === 'INVALID_OPTION' || error.code === 'MISSING_OPTION_VALUE') {
      const heading = commandForHelp(argv);
      term.err(error.message);
      term.err('');
      term.err(
        heading === undefined
          ? renderHelp(term.errColor, VERSION, await loadAllCommands())
          : renderCommandHelp(await loadCommand(heading), term.errColor),
      );
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
    term.out(command === undefined ? renderHelp(term.color, VERSION, await loadAllCommands()) : renderCommandHelp(command, term.color));
    return 0;
  }
  if (args.invalidCommand !== undefined) throw new ProcodileError('INVALID_COMMAND', renderInvalidCommand(args.invalidCommand));
  if (command === undefined) {
    term.out(renderHelp(term.color, VERSION, await loadAllCommands()));
    return 0;
  }
  const extra = rejectExtraArgs(args, command);
  if (!extra.ok) throw extra.error;
  const loaded = command.loadsApp(args.options) ? await loadApp(args, command, term) : undefined;
  const app = loaded?.app;
  // A supervisor launched early beside a `start` does nothing until that command hands it the
  // lock, not even becoming another user (src/daemon/early-daemon.ts).
  // An application that runs as another user is started by a command that first becomes that
  // user, and never hands over: such an early supervisor leaves at once.
  if (
    isEarlyDaemon(process.env) &&
    (command.name !== 'start' || app === undefined || app.user !== undefined || !(await awaitHandOver(app.pidRoot, process.env)))
  ) {
    return 0;
  }
  if (app?.user !== undefined && command.runsAsConfiguredUser) {
    const viaSudo = (await import('./reexec-as-user.js')).reexecAsUser(app, term, cliPath(), argv);
    if (viaSudo !== undefined) return viaSudo;
  }
  // Only now, as the user the application runs as, so that the directory is theirs.
  if (loaded?.loaded === true && command.createsPidDirectory) ensurePidDirectory(loaded.app.pidRoot);
  const context: CommandRun = { args, term, env: process.env, cwd: process.cwd(), cliPath: cliPath(), argv, app, commands: loadAllCommands };
  return command.run(context).catch(async (error: unknown) => {
    if (app === undefined || !(error instanceof ProcodileError) || error.code !== 'SUPERVISOR_NOT_RUNNING') throw error;
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
