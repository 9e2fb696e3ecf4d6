// How a Procfile command is executed (D2): through /bin/sh when it uses shell syntax, as the
// Heroku and foreman do, and split into words and executed directly otherwise.

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

// One command, possibly with expansions, quotes and redirections, but nothing that joins or
// groups commands: the shell can `exec` it and get out of the way.
const COMPOUND_SYNTAX = /[|&;()`{}\n]/;
const RESERVED_FIRST_WORD = /^\s*(if|then|else|elif|fi|do|done|case|esac|while|until|for|in|!|exec)(\s|$)/;

/**
 * Whether the shell may replace itself with the command. dash (Debian's /bin/sh) forks for the
 * last command of `sh -c` instead of exec'ing it, so the instance's pid would be the shell:
 * usr1/usr2 restarts would signal the shell, which dies, instead of the server, which reloads.
 */
function canExec(command: string): boolean {
  // `2>&1` and `<&0` duplicate descriptors; they are redirections, not background jobs.
  const withoutDuplications = command.replace(/\d*[<>]&(\d+|-)/g, '');
  return (
    !COMPOUND_SYNTAX.test(withoutDuplications) && !RESERVED_FIRST_WORD.test(command) && !LEADING_ASSIGNMENT.test(command)
  );
}

export function toInvocation(command: string): Invocation {
  if (needsShell(command)) return { file: '/bin/sh', args: ['-c', canExec(command) ? `exec ${command.trim()}` : command] };
  const words = command.trim().split(/\s+/).filter((w) => w.length > 0);
  const [file, ...args] = words;
  if (file === undefined) return { file: '/bin/sh', args: ['-c', command] };
  return { file, args };
}
