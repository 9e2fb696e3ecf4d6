// How a Procfile command is executed (D2): through /bin/sh when it uses shell syntax, as the
// Heroku and foreman do, and split into words and executed directly otherwise.
import { scanSimpleCommand } from './shell-scan.js';

export interface Invocation {
  file: string;
  args: string[];
}

// Anything a shell would interpret differently from plain word splitting.
const SHELL_SYNTAX = /[$'"|&;<>()`*?~#\n\\[\]{}]/;
const LEADING_ASSIGNMENT = /^\s*[A-Za-z_][A-Za-z0-9_]*=/;

export function needsShell(command: string): boolean {
  return SHELL_SYNTAX.test(command) || LEADING_ASSIGNMENT.test(command);
}

// Words that make the command something else than a program to run: the shell's grammar
// (`time` is one in bash, which is /bin/sh on some systems), and built-ins with no program
// of the same name for `exec` to find. `exec` itself is already what we would add.
const NOT_A_PROGRAM = new Set([
  ...['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'case', 'esac', 'while', 'until', 'for', 'in'],
  ...['!', '{', '}', '[[', 'function', 'select', 'time', 'exec'],
  ...[':', '.', 'break', 'continue', 'eval', 'exit', 'export', 'readonly', 'return', 'set', 'shift'],
  ...['times', 'trap', 'unset', 'cd', 'wait', 'read', 'ulimit', 'umask', 'alias', 'unalias', 'command'],
  ...['jobs', 'fg', 'bg', 'getopts', 'hash', 'type', 'local', 'source'],
]);

/**
 * The command line for `sh -c` with `exec` put right before the program's name, when the line
 * is one simple command (quotes, expansions, redirections and `VAR=value` prefixes allowed;
 * operators inside quotes are text). dash (Debian's /bin/sh) forks for the last command of
 * `sh -c` instead of exec'ing it, so without this the instance's pid would be the shell's:
 * a usr1/usr2 restart or nginx's `kill -HUP` would reach the shell, which dies, instead of
 * the server, which reloads. Anything else is left to the shell as written.
 */
export function withExec(command: string): string {
  const line = command.trim();
  const name = scanSimpleCommand(line)?.name;
  if (name === undefined || NOT_A_PROGRAM.has(name.raw)) return command;
  return `${line.slice(0, name.start)}exec ${line.slice(name.start)}`;
}

export function toInvocation(command: string): Invocation {
  if (needsShell(command)) return { file: '/bin/sh', args: ['-c', withExec(command)] };
  const words = command.trim().split(/\s+/).filter((w) => w.length > 0);
  const [file, ...args] = words;
  if (file === undefined) return { file: '/bin/sh', args: ['-c', command] };
  return { file, args };
}
