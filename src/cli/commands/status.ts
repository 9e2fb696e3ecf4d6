// `procodile status`: the supervisor's view of every process, for people or for scripts.
import { sendRequest } from '../../control/client.js';
import { detectSupervisor } from '../../daemon/detect.js';
import { supervisorNotRunning } from '../../errors.js';
import type { CommandHandler } from '../context.js';
import { renderIssues } from '../issue-report.js';
import { renderSimpleStatus, renderStatus } from '../output/status-human.js';

export const runStatus: CommandHandler = async (ctx) => {
  const { app, args, term } = ctx;
  const o = args.options;
  if (!(await detectSupervisor(app)).running) {
    if (o.simple === true && o.json !== true && o['json-pretty'] !== true) {
      term.out("NotRunning || Procodile supervisor isn't running");
      return 0;
    }
    throw supervisorNotRunning();
  }
  const status = await sendRequest(app.sockPath, 'status', {});
  if (o.json === true) term.out(JSON.stringify(status));
  else if (o['json-pretty'] === true) term.out(JSON.stringify(status, null, 2));
  else if (o.simple === true) term.out(renderSimpleStatus(status));
  else {
    term.out(renderStatus(status, term.color));
    renderIssues(status, term);
  }
  return 0;
};
