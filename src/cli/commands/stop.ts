// `procodile stop`: stops processes, optionally the supervisor too, and with --wait blocks
// until everything it stopped has gone.
import type { AppConfig } from '../../config/types.js';
import { secondsFromEnv, sendRequest } from '../../control/client.js';
import type { InstanceJson } from '../../control/protocol.js';
import { explainUnreachable } from '../../control/trust.js';
import { detectSupervisor } from '../../daemon/detect.js';
import { runningLogWriter } from '../../logging/log-writer-paths.js';
import { ProcodileError } from '../../errors.js';
import { isAlive } from '../../proc/liveness.js';
import { defineCommand, type CommandContext } from '../define-command.js';
import { reportIssues } from '../issue-report.js';
import { processesOption } from '../option-values.js';
import { processNames } from '../supervisor-options.js';

const WAIT_POLL_MS = 25;
/** Names the variable that sets how long `stop --wait` waits, in seconds (README). */
const WAIT_TIMEOUT_ENV = 'PROCODILE_WAIT_TIMEOUT';
/** On top of the longest stop_timeout: SIGKILL follows it, and the supervisor then exits. */
const WAIT_MARGIN_S = 15;

function waitDeadlineMs(app: AppConfig): number {
  const fromEnv = secondsFromEnv(WAIT_TIMEOUT_ENV);
  if (fromEnv !== undefined) return fromEnv * 1000;
  return (Math.max(0, ...app.processes.map((p) => p.stopTimeout)) + WAIT_MARGIN_S) * 1000;
}

/** The instances of `pending` still alive, or undefined when the supervisor did not answer. */
async function stillAlive(app: AppConfig, pending: Set<string>, deadlineMs: number): Promise<InstanceJson[] | undefined> {
  try {
    const status = await sendRequest(app, 'status', {}, { deadlineMs });
    return Object.values(status.instances)
      .flat()
      .filter((i) => pending.has(i.description));
  } catch {
    return undefined;
  }
}

const runStop = async (ctx: CommandContext<typeof OPTIONS>): Promise<number> => {
  const { app, options, term } = ctx;
  const names = processNames(ctx);
  const presence = await detectSupervisor(app);
  if (!presence.running) throw explainUnreachable(app);
  const stopSupervisor = options.stopSupervisor;
  const reply = await sendRequest(app, 'stop', { process_names: names, stop_supervisor: stopSupervisor });
  const stopped = reply.stopped_instances;
  const jobs = (names ?? []).filter((n) => app.processes.some((p) => p.name === n && p.schedule !== undefined));
  const jobsLine = jobs.length > 0 ? `Future scheduling was disabled for ${jobs.join(', ')}.` : undefined;
  if (stopped.length === 0 && jobsLine !== undefined) term.out(jobsLine);
  else if (stopped.length === 0 && names !== undefined) {
    throw new ProcodileError(
      'NO_MATCH',
      names.length === 1 ? `No running process matches '${names[0]}'.` : `No running processes match: ${names.join(', ')}.`,
    );
  }
  if (stopped.length === 0 && names === undefined) term.out('No processes were stopped.');
  for (const instance of stopped) term.out(`${term.color.red('Stopped')} ${instance.description} (PID: ${instance.pid})`);
  if (stopped.length > 0 && jobsLine !== undefined) term.out(jobsLine);
  if (stopSupervisor) term.out('Supervisor will be stopped when processes are stopped.');
  if (!options.wait) {
    await reportIssues(app, term, 1000);
    return 0;
  }
  term.out('Waiting for supervisor to stop...'.replace('supervisor', stopSupervisor ? 'supervisor' : 'processes'));
  const pending = new Set(stopped.map((i) => i.description));
  const started = Date.now();
  const deadline = started + waitDeadlineMs(app);
  let waitingFor = 'the supervisor to answer';
  for (;;) {
    if (stopSupervisor) {
      // The process itself, not its socket: the supervisor closes the socket a moment before
      // it exits, and after `stop -s --wait` nothing of the app may be left (D3).
      waitingFor = `the supervisor${presence.pid === undefined ? '' : ` (PID ${presence.pid})`} to exit`;
      const supervisorGone = presence.pid === undefined ? !(await detectSupervisor(app)).running : !isAlive(presence.pid);
      // The log writer leaves once the supervisor's and every instance's output has closed.
      const writer = supervisorGone ? runningLogWriter(app.pidRoot) : undefined;
      if (writer !== undefined) waitingFor = `the log writer (PID ${writer}) to finish the logs and exit`;
      else if (supervisorGone) break;
    } else {
      const alive = await stillAlive(app, pending, Math.max(1, deadline - Date.now()));
      // A supervisor that has gone can no longer be asked: that ends the wait, as it always did.
      if (alive?.length === 0 || (alive === undefined && presence.pid !== undefined && !isAlive(presence.pid))) break;
      // A poll cut short by the deadline keeps what the last answer said.
      if (alive !== undefined) waitingFor = `${alive.map((i) => `${i.description}${i.pid === null ? '' : ` (PID ${i.pid})`}`).join(', ')} to stop`;
    }
    if (Date.now() >= deadline) {
      throw new ProcodileError(
        'DEADLINE',
        `Gave up after ${formatSeconds(deadline - started)} waiting for ${waitingFor}. ` +
          `Look at \`procodile status\` and procodile.log; \`procodile kill\` ends everything. ${WAIT_TIMEOUT_ENV}=SECONDS sets how long to wait.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
  term.err(stopSupervisor ? 'Supervisor has stopped' : 'Processes have stopped');
  return 0;
};

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

const OPTIONS = [
  processesOption('Only stop the listed processes or instances (NAME or NAME.N)'),
  {
    long: 'stop-supervisor',
    short: 's',
    value: 'none',
    help: 'Stop the supervisor once its processes have stopped',
  },
  { long: 'wait', value: 'none', help: 'Wait until the supervisor has stopped before exiting' },
] as const;

export const stopCommand = defineCommand({
  name: 'stop',
  description: 'Stops processes and/or the supervisor',
  options: OPTIONS,
  behaviour: { brokenConfig: 'use-pid-directory', extraWords: 'rejected' },
  run: runStop,
});
