// What a process name (and the application name) may be. A process name becomes part of file
// paths (`NAME.log`, `NAME.N.pid`), of log line prefixes and of `-p NAME.N` selectors, so it is
// kept to a small safe alphabet rather than escaped at every one of those places.

export const MAX_PROCESS_NAME_LENGTH = 64;
export const MAX_APP_NAME_LENGTH = 200;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** `web.2` would read as instance 2 of `web` in a selector or a pid file name. */
const INSTANCE_SUFFIX = /\.\d+$/;
// C0 and C1 control characters and DEL: a newline would forge log lines, an escape sequence
// would reach the terminal of whoever reads the log or the status.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/**
 * Names every plain object answers to (`constructor`, `toString`, ...): process names key the
 * maps of port allocations, instances and options, on both sides of the control socket, and
 * such a name found an inherited function there (a PORT of `function Object() ...`, a status
 * that crashed the CLI).
 */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Why `name` cannot be a process name, or undefined when it can. */
export function processNameProblem(name: string): string | undefined {
  if (name.length > MAX_PROCESS_NAME_LENGTH) {
    return `is ${name.length} characters long; a process name has at most ${MAX_PROCESS_NAME_LENGTH}`;
  }
  if (!NAME.test(name)) {
    return (
      'may only contain letters, digits, "_", "-" and ".", and must start with a letter or a digit ' +
      '(it names log and pid files)'
    );
  }
  if (INHERITED_NAMES.has(name)) {
    return 'is the name of a property every JavaScript object has, which procodile cannot tell from a process of that name';
  }
  if (INSTANCE_SUFFIX.test(name)) {
    return `ends in ".${name.slice(name.lastIndexOf('.') + 1)}", which reads as an instance number (as in web.1)`;
  }
  return undefined;
}

/** Why `name` cannot be the application name (it is in the process title and log lines). */
export function appNameProblem(name: string): string | undefined {
  if (CONTROL.test(name)) return 'must not contain control characters such as a newline or a tab';
  if (name.length > MAX_APP_NAME_LENGTH) return `must be at most ${MAX_APP_NAME_LENGTH} characters long`;
  return undefined;
}

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** Text from a config file as it can be shown safely in a message: quoted, control characters escaped. */
export function quoted(text: string): string {
  return CONTROL.test(text) || text.includes("'") ? JSON.stringify(text) : `'${text}'`;
}
