// The supervisor that the `procodile` launcher (scripts/launcher.sh) starts at the same moment
// as a background `start`, so that its Node start-up overlaps the command's (README.md,
// "Performance"). It is an ordinary daemon that waits, before it does anything but read the
// configuration, until the command hands it the pid directory's lock: the command still makes
// every decision (a supervisor already running, a bad env file, a refused directory...) and
// only then lets it go on. When the command goes away without handing the lock over, the
// early supervisor leaves quietly.
import { lockNames } from '../runtime/supervisor-lock.js';
import { DAEMON_MARKER, EARLY_DAEMON_FLAGS } from './daemonize.js';
import { readProcStat } from '../proc/liveness.js';

/** Given to the command: the pid of the supervisor launched beside it. */
export const EARLY_DAEMON_VARIABLE = 'PROCODILE_EARLY_DAEMON';
/** Given to the early supervisor: the pid of the command it waits for. */
export const EARLY_PARENT_VARIABLE = 'PROCODILE_EARLY_PARENT';

/** How long an early supervisor waits for a command that neither hands over nor exits. */
const HAND_OVER_WAIT_MS = 10 * 60 * 1000;
const POLL_MS = 3;

function pidIn(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const pid = Number(env[name]);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * The early supervisor launched beside this command, if there is one: a live child of this
 * process (the launcher's shell became this process), so a stale or forged variable can never
 * make the command hand its lock to a stranger.
 */
export function earlyDaemon(env: NodeJS.ProcessEnv): number | undefined {
  const pid = pidIn(env, EARLY_DAEMON_VARIABLE);
  if (pid === undefined) return undefined;
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' && stat.ppid === process.pid ? pid : undefined;
}

/**
 * The early supervisor this start hands its lock to, if any: it must run with the Node flags
 * the start wants (one that runs the proxy wants others, daemonize.ts), and an application with
 * `user:` never uses one (its early supervisor leaves at once, main.ts). An early supervisor
 * not used just leaves when this command exits.
 */
export function usableEarlyDaemon(env: NodeJS.ProcessEnv, user: string | undefined, wantedFlags: readonly string[]): number | undefined {
  const sameFlags = wantedFlags.length === EARLY_DAEMON_FLAGS.length && wantedFlags.every((flag, i) => flag === EARLY_DAEMON_FLAGS[i]);
  return user === undefined && sameFlags ? earlyDaemon(env) : undefined;
}

/** `env` without the launcher's pids: a daemon spawned by the command is never an early one. */
export function withoutEarlyLaunch(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  delete rest[EARLY_DAEMON_VARIABLE];
  delete rest[EARLY_PARENT_VARIABLE];
  return rest;
}

export function isEarlyDaemon(env: NodeJS.ProcessEnv): boolean {
  return env[DAEMON_MARKER] === '1' && pidIn(env, EARLY_PARENT_VARIABLE) !== undefined;
}

/**
 * The early supervisor's wait: true once the lock in `pidRoot` names this process, false when
 * the command that was to hand it over has gone (this process is no longer its child) or after
 * a long time. Polled: the wait is short, and reading a small file costs microseconds.
 */
export async function awaitHandOver(pidRoot: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const parent = pidIn(env, EARLY_PARENT_VARIABLE);
  const deadline = Date.now() + HAND_OVER_WAIT_MS;
  while (parent !== undefined && process.ppid === parent && Date.now() < deadline) {
    if (lockNames(pidRoot, process.pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return false;
}
