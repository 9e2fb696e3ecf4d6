// Every CLI command, by name. A command's module is loaded only when it is the one to run (or
// when help or a completion script lists them all): start-up time is mostly module loading.
import type { Command } from './define-command.js';

// In the order the completion scripts list options in.
const LOADERS = {
  check_concurrency: () => import('./commands/check-concurrency.js').then((m) => m.checkConcurrencyCommand),
  check: () => import('./commands/check.js').then((m) => m.checkCommand),
  completion: () => import('./commands/completion.js').then((m) => m.completionCommand),
  console: () => import('./commands/exec.js').then((m) => m.consoleCommand),
  exec: () => import('./commands/exec.js').then((m) => m.execCommand),
  export: () => import('./commands/export.js').then((m) => m.exportCommand),
  help: () => import('./commands/help.js').then((m) => m.helpCommand),
  kill: () => import('./commands/kill.js').then((m) => m.killCommand),
  log: () => import('./commands/log.js').then((m) => m.logCommand),
  reload: () => import('./commands/reload.js').then((m) => m.reloadCommand),
  restart: () => import('./commands/restart.js').then((m) => m.restartCommand),
  run: () => import('./commands/exec.js').then((m) => m.runCommand),
  start: () => import('./commands/start.js').then((m) => m.startCommand),
  status: () => import('./commands/status.js').then((m) => m.statusCommand),
  stop: () => import('./commands/stop.js').then((m) => m.stopCommand),
  systemd: () => import('./commands/systemd.js').then((m) => m.systemdCommand),
  top: () => import('./commands/top.js').then((m) => m.topCommand),
} satisfies Record<string, () => Promise<Command>>;

export type CommandName = keyof typeof LOADERS;

export const COMMAND_NAMES = Object.keys(LOADERS) as readonly CommandName[];

export function isCommandName(word: string): word is CommandName {
  return Object.hasOwn(LOADERS, word);
}

export async function loadCommand(name: CommandName): Promise<Command> {
  const command = await LOADERS[name]();
  if (command.name !== name) throw new Error(`Internal error: the command registered as ${name} calls itself ${command.name}`);
  return command;
}

export function loadAllCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map(loadCommand));
}
