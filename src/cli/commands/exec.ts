// `procodile exec`/`run` and `console`: run a one-off command in the application's root and
// global environment, handing the terminal over to it (as in Procodile, D2, D9, Q1, Q15).
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { ProcodileError } from '../../errors.js';
import { stripLauncherVariables } from '../../proc/env-hygiene.js';
import { toInvocation } from '../../supervisor/command-line.js';
import { defineCommand, type Command, type CommandContext } from '../define-command.js';

const BANNER_INDENT = ' '.repeat(13);

// Sent by the terminal to the whole foreground process group, so the child gets them directly;
// the parent must survive them to report the child's outcome. SIGTSTP is deliberately left
// alone: the parent has to stop too, or the shell would never get the terminal back.
const TERMINAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];
// Sent to our pid alone (kill, systemd, a supervisor); the child would never see them otherwise.
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];
// Signals whose default action ends Node without a core dump and that Node does not handle
// itself (it uses SIGUSR1 for the inspector and ignores SIGPIPE), so raising them on ourselves
// reproduces the child's death faithfully.
const RERAISABLE_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set<NodeJS.Signals>([
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGKILL',
  'SIGALRM',
  'SIGUSR2',
]);

// The C library's wording, as a shell would print it (Node only gives the errno name).
const OS_MESSAGES: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOEXEC: 'Exec format error',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  E2BIG: 'Argument list too long',
  ENAMETOOLONG: 'File name too long',
  ETXTBSY: 'Text file busy',
  ENOMEM: 'Cannot allocate memory',
};

/** Quotes a word for /bin/sh only when it needs it, so plain commands still run without a shell. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

// One word is a command line of its own (`exec "ls -la | wc"`), as in Procodile. Several words
// arrive already split by the user's shell, so each is quoted back: `run -- sh -c 'exit 3'`
// runs exactly that, instead of `sh -c exit 3`.
function runExec(ctx: CommandContext): Promise<number> {
  const words = ctx.args.extraArgs;
  return runInApp(ctx, words.length === 1 ? (words[0] ?? '') : words.map(shellWord).join(' '));
}

function runConsole(ctx: CommandContext): Promise<number> {
  const command = ctx.app.consoleCommand;
  if (command === undefined || command.trim() === '') {
    throw new ProcodileError(
      'COMMAND_INVALID',
      'No console command has been configured in the Procfile. Add console_command to Procfile.options or Procfile.local.',
    );
  }
  return runInApp(ctx, command);
}

async function runInApp(ctx: CommandContext, words: string): Promise<number> {
  const prefix = ctx.app.execPrefix;
  // With a prefix an empty command still runs the prefix alone (as in Procodile).
  const command = prefix !== undefined && prefix !== '' ? `${prefix} ${words}` : words;
  if (command.trim() === '') {
    throw new ProcodileError(
      'COMMAND_INVALID',
      'You need to specify a command to run (e.g. procodile run -- rake db:migrate)',
    );
  }
  // Q15: anything but exactly '1' (including garbage) just means "not quiet".
  if (ctx.env.PROCODILE_EXEC_QUIET !== '1') printBanner(ctx, command);
  // APP_ROOT as the app's processes get it, so a one-off task finds the same paths.
  const env = { ...stripLauncherVariables(ctx.env), ...ctx.app.env, APP_ROOT: ctx.app.root };
  return runDelegated(command, ctx.app.root, env);
}

// Procodile prints the banner on stdout; ours goes to stderr so that `procodile run -- cmd`
// can be piped or captured and yields exactly the command's own output.
function printBanner(ctx: CommandContext, command: string): void {
  const c = ctx.term.errColor;
  ctx.term.err(`Running with ${c.yellow(command)}`);
  for (const [key, value] of Object.entries(ctx.app.env)) {
    ctx.term.err(`${BANNER_INDENT}${c.blue(key)} ${value}`);
  }
}

/**
 * Node cannot exec(2) over itself, so the command runs as a child that inherits the terminal,
 * and this process only relays signals and mirrors the child's ending.
 */
function runDelegated(command: string, cwd: string, env: Record<string, string>): Promise<number> {
  const invocation = toInvocation(command);
  return new Promise<number>((resolve, reject) => {
    let child: ChildProcess | undefined;
    const ignore = (): void => undefined;
    const forward = (signal: NodeJS.Signals): void => {
      child?.kill(signal);
    };
    const release = (): void => {
      for (const signal of TERMINAL_SIGNALS) process.off(signal, ignore);
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };

    // Handlers first: the command may already be running (and the user pressing Ctrl-C)
    // by the time spawn returns.
    for (const signal of TERMINAL_SIGNALS) process.on(signal, ignore);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    try {
      child = spawn(invocation.file, invocation.args, { cwd, env, stdio: 'inherit' });
    } catch (error) {
      release();
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }

    child.once('error', (error: NodeJS.ErrnoException) => {
      release();
      // A spawn failure ('error' before any 'exit') means the program never ran. A 127 from
      // /bin/sh for a shell command is a normal exit and is passed through below instead.
      const reason = (error.code !== undefined ? OS_MESSAGES[error.code] : undefined) ?? error.code ?? error.message;
      reject(new ProcodileError('COMMAND_INVALID', `Couldn't run '${invocation.file}': ${reason}`, { cause: error }));
    });
    child.once('exit', (code, signal) => {
      release();
      if (code !== null) resolve(code);
      else resolve(dieLike(signal ?? 'SIGKILL'));
    });
  });
}

/**
 * Ends this process with the signal that ended the child, as exec(2) would have: a shell
 * then sees "killed by SIGINT" and, for example, stops a loop on Ctrl-C. Our handlers are
 * already removed, so the default action applies. Where re-raising would not end us (or would
 * dump core), the shell convention 128 + signal number is returned instead.
 */
function dieLike(signal: NodeJS.Signals): number {
  if (RERAISABLE_SIGNALS.has(signal)) {
    try {
      process.kill(process.pid, signal);
    } catch {
      // Fall through to the exit code below.
    }
  }
  return 128 + (constants.signals[signal] ?? 0);
}

const COMMAND_LINE_NOTE =
  "Options (-r, --procfile) go before the command, or before a `--`; from the command's first word on, every word is the command's.";

// `run` is Procodile's other name for `exec`.
const execUnder = (name: string): Command =>
  defineCommand({
    name,
    description: 'Execute a command within the environment',
    options: [],
    note: COMMAND_LINE_NOTE,
    behaviour: { extraWords: 'command-line' },
    run: runExec,
  });

export const execCommand = execUnder('exec');
export const runCommand = execUnder('run');

export const consoleCommand = defineCommand({
  name: 'console',
  description: 'Open a console within the environment',
  options: [],
  run: runConsole,
});
