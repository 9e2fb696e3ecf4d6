// `procodile check_concurrency`: starts missing and stops excess instances.
import { sendRequest } from '../../control/client.js';
import { detectSupervisor } from '../../daemon/detect.js';
import { explainUnreachable } from '../../control/trust.js';
import { defineCommand, type CommandContext } from '../define-command.js';
import { reportIssues } from '../issue-report.js';

async function runCheckConcurrency(ctx: CommandContext<typeof OPTIONS>): Promise<number> {
  const { app, options, term } = ctx;
  if (!(await detectSupervisor(app)).running) {
    throw explainUnreachable(app);
  }
  const reply = await sendRequest(app, 'check_concurrency', { reload: !options.noReload });
  const c = term.color;
  for (const i of reply.started_instances) term.out(`${c.green('Started')} ${i.description} (PID: ${i.pid})`);
  for (const i of reply.stopped_instances) term.out(`${c.red('Stopped')} ${i.description} (PID: ${i.pid})`);
  if (reply.started_instances.length === 0 && reply.stopped_instances.length === 0) {
    term.out('Processes are running as configured');
  }
  await reportIssues(app, term, 1000);
  return 0;
}

const OPTIONS = [{ long: 'no-reload', value: 'none', help: 'Do not reload the configuration before checking' }] as const;

export const checkConcurrencyCommand = defineCommand({
  name: 'check_concurrency',
  description: 'Check process concurrency',
  options: OPTIONS,
  behaviour: { brokenConfig: 'supervisor-reports' },
  run: runCheckConcurrency,
});
