// `procodile reload`: the supervisor re-reads the Procfile and options files.
import { sendRequest } from '../../control/client.js';
import { detectSupervisor } from '../../daemon/detect.js';
import { ProcodileError } from '../../errors.js';
import type { CommandHandler } from '../context.js';
import { reportIssues } from '../issue-report.js';

export const runReload: CommandHandler = async (ctx) => {
  const { app, term } = ctx;
  if (!(await detectSupervisor(app)).running) {
    throw new ProcodileError('SUPERVISOR_NOT_RUNNING', "Procodile supervisor isn't running");
  }
  await sendRequest(app.sockPath, 'reload_config', {});
  term.out('Reloaded Procodile config');
  await reportIssues(app, term, 1000);
  return 0;
};
