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

export function toInvocation(command: string): Invocation {
  if (needsShell(command)) return { file: '/bin/sh', args: ['-c', command] };
  const words = command.trim().split(/\s+/).filter((w) => w.length > 0);
  const [file, ...args] = words;
  if (file === undefined) return { file: '/bin/sh', args: ['-c', command] };
  return { file, args };
}
