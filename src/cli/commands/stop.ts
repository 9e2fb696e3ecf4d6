// `procodile stop`: stops processes, optionally the supervisor too, and with --wait blocks
// until everything it stopped has gone.
import { sendRequest } from '../../control/client.js';
import { detectSupervisor } from '../../daemon/detect.js';
import { ProcodileError, supervisorNotRunning } from '../../errors.js';
import { isAlive } from '../../proc/liveness.js';
import type { CommandHandler } from '../context.js';
import { fetchStatus, reportIssues } from '../issue-report.js';
import { processNames } from '../supervisor-options.js';

const WAIT_POLL_MS = 25;

export const runStop: CommandHandler = async (ctx) => {
  const { app, args, term } = ctx;
  const names = processNames(ctx);
  const presence = await detectSupervisor(app);
  if (!presence.running) {
    throw supervisorNotRunning();
  }
  const stopSupervisor = args.options['stop-supervisor'] === true;
  const reply = await sendRequest(app.sockPath, 'stop', { process_names: names, stop_supervisor: stopSupervisor });
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
  if (args.options.wait !== true) {
    await reportIssues(app, term, 1000);
    return 0;
  }
  term.out('Waiting for supervisor to stop...'.replace('supervisor', stopSupervisor ? 'supervisor' : 'processes'));
  const pending = new Set(stopped.map((i) => i.description));
  for (;;) {
    if (stopSupervisor) {
      // The process itself, not its socket: the supervisor closes the socket a moment before
      // it exits, and after `stop -s --wait` nothing of the app may be left (D3).
      if (presence.pid === undefined ? !(await detectSupervisor(app)).running : !isAlive(presence.pid)) break;
    } else {
      const status = await fetchStatus(app, 0);
      const alive = status === undefined ? [] : Object.values(status.instances).flat().filter((i) => pending.has(i.description));
      if (alive.length === 0) break;
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
  term.err(stopSupervisor ? 'Supervisor has stopped' : 'Processes have stopped');
  return 0;
};
