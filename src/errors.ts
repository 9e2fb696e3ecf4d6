// The one small vocabulary of errors procodile reports: a stable code for tests and the
// control protocol, a message written for the person at the terminal.

import { printable } from './printable-text.js';

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'PROCFILE_NOT_FOUND'
  | 'PROCFILE_EMPTY'
  | 'YAML_SYNTAX'
  | 'UNKNOWN_PROCESS'
  | 'REMOVED_PROCESS'
  | 'GLOBAL_CONFIG_INVALID'
  | 'INVALID_OPTION'
  | 'MISSING_OPTION_VALUE'
  | 'INVALID_COMMAND'
  | 'INVALID_ARGUMENT'
  | 'SUPERVISOR_NOT_RUNNING'
  | 'SUPERVISOR_RUNNING'
  | 'PID_DIR_NOT_EMPTY'
  | 'PID_ROOT_IN_USE'
  | 'CONTROL_DISCONNECTED'
  | 'CONTROL_ERROR'
  | 'PERMISSION_DENIED'
  | 'SUPERVISOR_UNTRUSTED'
  | 'SUPERVISOR_UNREACHABLE'
  | 'WRONG_SUPERVISOR'
  | 'DEADLINE'
  | 'SOCKET_PATH_TOO_LONG'
  | 'ENV_FILE'
  | 'UNSAFE_PATH'
  | 'COMMAND_INVALID'
  | 'NOT_FOUND'
  | 'NO_MATCH'
  | 'INTERNAL';

export class ProcodileError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    Object.defineProperty(this, 'name', { value: 'ProcodileError', enumerable: false });
  }
}

export type Result<T, E = ProcodileError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string): Result<never> => ({
  ok: false,
  error: new ProcodileError(code, message),
});

/** What every command that needs the supervisor says when there is none, with what to do. */
export function supervisorNotRunning(): ProcodileError {
  return new ProcodileError(
    'SUPERVISOR_NOT_RUNNING',
    "Procodile supervisor isn't running. Start it with `procodile start` (with the same -r ROOT, if you gave one).",
  );
}

/**
 * Said instead when a supervisor of the same root runs from another pid directory (the pid
 * directory moved with a switched symlink): starting one would make two, so never suggest it.
 */
export function supervisorElsewhere(
  root: string,
  pidRoot: string,
  running: readonly { pid: number; pidDirectory?: string }[],
): ProcodileError {
  const where = running
    .map((s) => `PID ${s.pid} (pid directory ${s.pidDirectory ?? 'unknown: it predates this version'})`)
    .join(', ');
  const first = running[0]?.pid ?? 0;
  return new ProcodileError(
    'SUPERVISOR_NOT_RUNNING',
    `No supervisor answers in ${pidRoot}, but the supervisor of ${root} is running as ${where}: ` +
      'the pid directory moved since it started (a symlink such as `current` was switched under a relative pid_root). ' +
      `Do not start another one. Point the root back and use it, or stop it with \`kill -TERM ${first}\` ` +
      '(it stops its processes and exits) and start again; give pid_root an absolute path outside the releases ' +
      '(README.md, "Updating a deployment").',
  );
}

/** Marks a branch the type system proves impossible; reaching it is a bug. */
export function unreachable(value: never): never {
  // A plain Error, not a ProcodileError: the CLI reports it as the bug it is (exit 2).
  throw new Error(`unexpected value ${String(value)}`);
}

/**
 * A broken promise inside procodile (an impossible state transition, say): a bug to report,
 * never a user mistake. Not a ProcodileError, so the CLI and the control socket treat it as
 * the bug it is.
 */
export class InternalError extends Error {
  constructor(message: string) {
    super(`${message} (this is a bug in procodile; please report it)`);
    Object.defineProperty(this, 'name', { value: 'InternalError', enumerable: false });
  }
}

/**
 * The pid directory's record was written by the supervisor of another root, whose processes
 * are still alive: two applications configured with one pid_root must not take over (or
 * kill) each other's processes once that supervisor has died.
 */
export function processesOfAnotherRoot(pidRoot: string, theirRoot: string, ourRoot: string, refusing: string): ProcodileError {
  return new ProcodileError(
    'WRONG_SUPERVISOR',
    `The pid directory ${pidRoot} holds running processes of another application (${printable(theirRoot)}), not of ${ourRoot}: ` +
      `refusing to ${refusing}. Give each application its own pid_root in Procfile.options.`,
  );
}
