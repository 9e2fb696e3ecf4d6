// `procodile start`: starts a supervisor (in the background or the foreground) or asks the
// running one to start processes, topping each up to its quantity (D10).
import { closeSync, readdirSync, readFileSync } from 'node:fs';
import { identifySupervisor, sendRequest } from '../../control/client.js';
import type { StatusReply } from '../../control/protocol.js';
import { detectSupervisor } from '../../daemon/detect.js';
import { DAEMON_MARKER, daemonNodeFlags, openSupervisorLog, proxyRequested, spawnDaemon } from '../../daemon/daemonize.js';
import { isEarlyDaemon, usableEarlyDaemon, withoutEarlyLaunch } from '../../daemon/early-daemon.js';
import { openOwnOutput } from '../../daemon/own-output.js';
import { tidyPidDirectory } from '../../daemon/pid-directory.js';
import { claimSupervisorLock, handOverSupervisorLock, holdSupervisorLock } from '../../runtime/supervisor-lock.js';
import { runSupervisor } from '../../daemon/run-supervisor.js';
import { readEnvFile } from '../../config/env-file.js';
import { ProcodileError, supervisorElsewhere } from '../../errors.js';
import { isAlive } from '../../proc/liveness.js';
import { prepareRuntimeDirectories } from '../../runtime/trusted-directories.js';
import { defineCommand, type CommandContext } from '../define-command.js';
import { fetchStatus, renderIssues } from '../issue-report.js';
import { settleAfterStart } from '../start-outcome.js';
import { processesOption, tagOption } from '../option-values.js';
import {
  portAllocations,
  processNames,
  removedButRunning,
  supervisorRunOptions,
  validateProcessNames,
} from '../supervisor-options.js';

/** How long `start` waits for a new daemon that neither answers nor starts more instances. */
const DAEMON_READY_MS = 5000;
const DAEMON_POLL_MS = 10;
/** The first status waits for every instance to start; the loop above it decides when to stop. */
const ANSWER_DEADLINE_MS = 24 * 60 * 60 * 1000;
/** A start slower than this shows its progress, at most once per PROGRESS_EVERY_MS. */
const PROGRESS_AFTER_MS = 1000;
const PROGRESS_EVERY_MS = 1000;

const ALREADY_RUNNING: [keyof StartContext['options'], string][] = [
  ['foreground', 'Cannot be started in the foreground because supervisor already running'],
  ['dev', 'Cannot be started in the foreground because supervisor already running'],
  ['noRespawn', 'Cannot disable respawning because supervisor is already running'],
  ['stopWhenNone', 'Cannot stop supervisor when none running because supervisor is already running'],
  ['proxy', 'Cannot enable the proxy when the supervisor is running'],
  ['noProxy', 'Cannot disable the proxy when the supervisor is running'],
];

async function startWithRunningSupervisor(ctx: StartContext, names: string[] | undefined): Promise<number> {
  const { app, term, options } = ctx;
  // Whose supervisor it is comes before anything said about it (another root's: an error).
  await identifySupervisor(app);
  for (const [flag, message] of ALREADY_RUNNING) {
    if (options[flag]) throw new ProcodileError('SUPERVISOR_RUNNING', `${message}. Stop it first with \`procodile stop -s --wait\`.`);
  }
  const reply = await sendRequest(app, 'start_processes', {
    process_names: names,
    tag: options.tag,
    port_allocations: portAllocations(ctx),
    wait: options.wait || undefined,
  });
  for (const instance of reply.started_instances) {
    term.out(`${term.color.green('Started')} ${instance.description} (PID: ${instance.pid})`);
  }
  const errors = reply.errors ?? [];
  for (const error of errors) term.err(term.errColor.red(`Start failed: ${error}`));
  for (const line of reply.release_output ?? []) term.err(`  ${line}`);
  if (errors.length > 0) return 1;
  const settled = await settleAfterStart(app, term, names);
  // Said only when true: a process that failed to start was not "nothing to start".
  if (reply.started_instances.length === 0 && settled === 0) term.out('No processes to start.');
  return settled;
}

/** `start --wait` on a new supervisor: polls until no instance is starting any more. */
async function waitUntilReady(ctx: StartContext): Promise<number> {
  const { app, term } = ctx;
  const longest = Math.max(0, ...app.processes.map((p) => (p.ready === undefined ? 0 : (p.readyTimeout ?? 60))));
  const deadline = Date.now() + (longest + 10) * 1000;
  while (Date.now() < deadline) {
    const status = await fetchStatus(app, 0);
    const instances = Object.values(status?.instances ?? {}).flat();
    if (status !== undefined && !instances.some((i) => i.status === 'starting' || i.status === 'unknown')) {
      const notReady = status.runtime_issues.filter((i) => i.type === 'instance_not_ready');
      for (const issue of notReady) term.err(term.errColor.red(`Start failed: ${issue.message}`));
      return notReady.length > 0 ? 1 : 0;
    }
    await new Promise((resolve) => setTimeout(resolve, DAEMON_POLL_MS));
  }
  term.err(term.errColor.red(`Some instances were still starting after ${longest + 10}s; see \`procodile status\`.`));
  return 1;
}

function tailOfLog(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/** Instances with a pid file in the pid directory: the daemon's progress while it starts them. */
function instancesStarted(pidRoot: string): number {
  try {
    return readdirSync(pidRoot).filter((f) => f.endsWith('.pid') && !f.startsWith('.') && f !== 'procodile.pid').length;
  } catch {
    return 0;
  }
}

/**
 * The new daemon's first status, which it gives once every instance has started; undefined
 * while it cannot be asked yet. Only our own daemon's answer counts: another `start` may have
 * won the race (its daemon holds the lock), and then ours exits.
 */
async function firstStatus(app: StartContext['app'], pid: number): Promise<StatusReply | undefined> {
  try {
    const status = await sendRequest(app, 'status', {}, { deadlineMs: ANSWER_DEADLINE_MS });
    return status.supervisor.pid === pid && status.supervisor.started_at !== null ? status : undefined;
  } catch {
    return undefined;
  }
}

async function startDaemon(ctx: StartContext): Promise<number> {
  const { app, term } = ctx;
  const proxyApp = ctx.options.noProxy ? { ...app, proxy: false } : app;
  const proxyOption = proxyRequested(ctx.options, app.pidRoot);
  // The supervisor launched beside this command (scripts/launcher.sh), if it can be used.
  const early = usableEarlyDaemon(ctx.env, app.user, daemonNodeFlags(proxyApp, proxyOption));
  let pid: number;
  if (early === undefined) {
    pid = await spawnDaemon(ctx.cliPath, ctx.argv, withoutEarlyLaunch(ctx.env), proxyApp, proxyOption);
  } else {
    // The supervisor is booting already. The log is checked here all the same, so that a log
    // that cannot be written is this command's error, as before; the supervisor starts the log
    // writer itself, which keeps a third Node start-up out of the two that overlap.
    closeSync(openSupervisorLog(app.logPath));
    pid = early;
  }
  handOverSupervisorLock(app.pidRoot, pid);
  term.out(`Started Procodile supervisor with PID ${pid}`);
  // No fixed deadline: thousands of instances take a while, and waiting is right as long as
  // more keep starting. Only a daemon that makes no progress for DAEMON_READY_MS is left to
  // itself.
  const began = Date.now();
  let lastProgress = began;
  let count = -1;
  let shown = '';
  let lastShown = 0;
  let answer: Promise<StatusReply | undefined> | undefined;
  let status: StatusReply | undefined;
  while (status === undefined) {
    if (!isAlive(pid)) {
      term.progress?.(undefined);
      throw new ProcodileError(
        'SUPERVISOR_NOT_RUNNING',
        `The supervisor exited during start-up. The end of ${app.logPath} says:\n${tailOfLog(app.logPath)}`,
      );
    }
    answer ??= firstStatus(app, pid);
    const tick = new Promise<'tick'>((resolve) => setTimeout(() => resolve('tick'), DAEMON_POLL_MS));
    const settled = await Promise.race([answer, tick]);
    if (settled === 'tick') {
      const now = Date.now();
      const started = instancesStarted(app.pidRoot);
      if (started > count) {
        count = started;
        lastProgress = now;
      }
      const line = `Starting instances: ${count} started`;
      if (now - began >= PROGRESS_AFTER_MS && line !== shown && now - lastShown >= PROGRESS_EVERY_MS) {
        term.progress?.(line);
        shown = line;
        lastShown = now;
      }
      if (now - lastProgress > DAEMON_READY_MS) {
        term.progress?.(undefined);
        term.err(term.errColor.yellow(`The supervisor has not answered yet; see ${app.logPath}.`));
        return 0;
      }
      continue;
    }
    answer = undefined;
    status = settled;
    // Not answering yet (still binding its socket) or not ours: ask again shortly.
    if (status === undefined) await tick;
  }
  if (shown !== '') term.progress?.(undefined);
  // A failed release_command started nothing: the start did not do what was asked.
  if (status.runtime_issues.some((i) => i.type === 'release_failed')) {
    renderIssues(status, term);
    return 1;
  }
  if (ctx.options.wait) {
    const ready = await waitUntilReady(ctx);
    // An instance in a crash loop is not starting most of the time, so readiness alone would
    // let `start --wait` succeed while it crashes: it is watched as a plain start watches.
    const settled = await settleAfterStart(app, term, processNames(ctx));
    return Math.max(ready, settled);
  }
  return settleAfterStart(app, term, processNames(ctx));
}

const runStart = async (ctx: StartContext): Promise<number> => {
  const { app, options: given, term } = ctx;
  const names = processNames(ctx);
  const isDaemon = ctx.env[DAEMON_MARKER] === '1';
  // A process removed from the Procfile but still running gets its own explanation (as in Procodile).
  const removed = names === undefined || isDaemon ? [] : removedButRunning(await fetchStatus(app, 0), app);
  validateProcessNames(app, names, removed);
  const foreground = given.foreground || given.dev;

  if (!isDaemon) {
    const presence = await detectSupervisor(app);
    if (presence.running) return startWithRunningSupervisor(ctx, names);
    if (given.noSupervisor) {
      throw new ProcodileError(
        'SUPERVISOR_NOT_RUNNING',
        'Supervisor is not running and cannot be started because --no-supervisor is set',
      );
    }
    const elsewhere = (await import('../supervisor-not-running.js')).supervisorsElsewhere(app);
    if (elsewhere.length > 0) throw supervisorElsewhere(app.root, app.pidRoot, elsewhere);
  }
  const options = supervisorRunOptions(ctx, foreground);
  // A missing or malformed env file now is a mistake in this command: refuse it before
  // anything starts. Later, each instance re-reads it, and a file broken then fails that start.
  if (!isDaemon && options.envFile !== undefined) {
    const envFile = readEnvFile(options.envFile);
    if (!envFile.ok) throw envFile.error;
  }
  // Before anything is written: a root supervisor refuses directories another user controls.
  prepareRuntimeDirectories(app, foreground);
  // The lock is held before the pid directory is tidied, so that a second `start` racing this
  // one can never delete the files of the supervisor that won. A background start takes it
  // here and hands it to its daemon, which reads the configuration again before it runs: a
  // large configuration must not leave a window in which a second daemon can start.
  if (isDaemon) await claimSupervisorLock(app.pidRoot);
  else holdSupervisorLock(app.pidRoot);
  const tidy = tidyPidDirectory(app, given.clean);
  if (!tidy.ok) throw tidy.error;
  if (!isDaemon) for (const line of tidy.value) term.out(line);
  if (isDaemon && isEarlyDaemon(ctx.env)) {
    // Launched with nowhere to write (scripts/launcher.sh): it opens its log itself.
    return runSupervisor(app, { ...options, output: await openOwnOutput(app) });
  }
  if (isDaemon || foreground) return runSupervisor(app, options);
  return startDaemon(ctx);
};

const OPTIONS = [
  processesOption('Only start the listed processes'),
  tagOption('Tag all started processes with the given tag'),
  { long: 'no-supervisor', value: 'none', help: 'Do not start a supervisor if it is not running' },
  {
    long: 'no-processes',
    value: 'none',
    help: 'Do not start any processes (only applicable when the supervisor is stopped)',
  },
  { long: 'foreground', short: 'f', value: 'none', help: 'Run the supervisor in the foreground' },
  { long: 'clean', value: 'none', help: 'Remove all previous pid and sock files before starting' },
  { long: 'wait', value: 'none', help: 'Return once every started instance is ready' },
  { long: 'no-respawn', value: 'none', help: 'Disable respawning for all processes' },
  { long: 'stop-when-none', value: 'none', help: 'Stop the supervisor when all processes are stopped' },
  { long: 'proxy', short: 'x', value: 'none', help: 'Enable the Procodile proxy service' },
  {
    long: 'no-proxy',
    value: 'none',
    help: 'Run without the proxy, even if Procfile.options or the previous supervisor had it',
  },
  {
    long: 'ports',
    value: 'required',
    placeholder: 'NAME:PORT,...',
    help: 'Choose ports to allocate to processes (0 picks a free port)',
  },
  {
    long: 'env-file',
    value: 'optional',
    placeholder: 'FILE',
    defaultValue: '.env',
    help: 'Load environment variables from FILE, relative to the root (default: .env)',
  },
  {
    long: 'dev',
    short: 'd',
    value: 'none',
    implies: ['foreground', 'proxy', 'stop-when-none', 'no-respawn'],
    help: 'Run in development mode (foreground, proxy, no respawn, stop when none)',
  },
] as const;

type StartContext = CommandContext<typeof OPTIONS>;

export const startCommand = defineCommand({
  name: 'start',
  description: 'Starts processes and/or the supervisor',
  options: OPTIONS,
  behaviour: { extraWords: 'rejected' },
  run: runStart,
});
