// `procodile status`: the supervisor's view of every process, for people or for scripts.
import { sendRequest } from '../../control/client.js';
import { printableJson } from '../../control/reply.js';
import { explainUnreachable } from '../../control/trust.js';
import { detectSupervisor } from '../../daemon/detect.js';
import type { CommandHandler } from '../context.js';
import { renderIssues } from '../issue-report.js';
import { renderSimpleStatus, renderStatus } from '../output/status-human.js';

export const runStatus: CommandHandler = async (ctx) => {
  const { app, args, term } = ctx;
  const o = args.options;
  const json = o.json === true || o['json-pretty'] === true;
  if (!(await detectSupervisor(app)).running) {
    const why = explainUnreachable(app);
    if (o.simple === true && !json && why.code === 'SUPERVISOR_NOT_RUNNING') {
      term.out("NotRunning || Procodile supervisor isn't running");
      return 0;
    }
    throw why;
  }
  // JSON escapes control characters itself, so scripts get the values as they are.
  const status = await sendRequest(app, 'status', {}, { keepControls: json });
  if (o.json === true) term.out(printableJson(JSON.stringify(status)));
  else if (o['json-pretty'] === true) term.out(printableJson(JSON.stringify(status, null, 2)));
  else if (o.simple === true) term.out(renderSimpleStatus(status));
  else {
    term.out(renderStatus(status, term.color));
    renderIssues(status, term);
  }
  return 0;
};
