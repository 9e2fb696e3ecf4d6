// `procodile status`: the supervisor's view of every process, for people or for scripts.
import { sendRequest } from '../../control/client.js';
import { printableJson } from '../../control/reply.js';
import { explainUnreachable } from '../../control/trust.js';
import { detectSupervisor } from '../../daemon/detect.js';
import { defineCommand, type CommandContext } from '../define-command.js';
import { renderIssues } from '../issue-report.js';
import { hostStatus } from '../host-status.js';
import { renderHostStatus } from '../output/status-all-human.js';
import { renderSimpleStatus, renderStatus } from '../output/status-human.js';
import type { AppConfig } from '../../config/types.js';

/** Every configured application; exits 1 when any supervisor is not running or any configuration is broken. */
async function runStatusAll(ctx: CommandContext<typeof OPTIONS, AppConfig | undefined>): Promise<number> {
  const { options: o, term } = ctx;
  const host = await hostStatus(ctx.env, ctx.cwd);
  if (o.json) term.out(printableJson(JSON.stringify(host)));
  else if (o.jsonPretty) term.out(printableJson(JSON.stringify(host, null, 2)));
  else term.out(renderHostStatus(host, term.color));
  return host.apps.every((a) => a.supervisor === 'running' && a.config_error === null) ? 0 : 1;
}

async function runStatus(ctx: CommandContext<typeof OPTIONS, AppConfig | undefined>): Promise<number> {
  if (ctx.options.all) return runStatusAll(ctx);
  const { options: o, term } = ctx;
  const app = ctx.app;
  if (app === undefined) return 1;
  const json = o.json || o.jsonPretty;
  if (!(await detectSupervisor(app)).running) {
    const why = explainUnreachable(app);
    // NotRunning (exit 0) only when no supervisor of this root runs from another pid directory.
    const elsewhere = async (): Promise<number> => (await import('../supervisor-not-running.js')).supervisorsElsewhere(app).length;
    if (o.simple && !json && why.code === 'SUPERVISOR_NOT_RUNNING' && (await elsewhere()) === 0) {
      term.out("NotRunning || Procodile supervisor isn't running");
      return 0;
    }
    throw why;
  }
  // JSON escapes control characters itself, so scripts get the values as they are.
  const status = await sendRequest(app, 'status', {}, { keepControls: json });
  if (o.json) term.out(printableJson(JSON.stringify(status)));
  else if (o.jsonPretty) term.out(printableJson(JSON.stringify(status, null, 2)));
  else if (o.simple) term.out(renderSimpleStatus(status));
  else {
    term.out(renderStatus(status, term.color));
    renderIssues(status, term);
  }
  // A monitor that checks only the exit code sees what the text says (README.md, "status").
  const hasIssues = status.messages.length > 0 || status.runtime_issues.length > 0;
  return hasIssues && !json ? STATUS_HAS_ISSUES : 0;
}

/** The exit code of `status` and `status --simple` when they show issues (errors exit 1). */
export const STATUS_HAS_ISSUES = 2;

const OPTIONS = [
  { long: 'json', value: 'none', help: 'Print the status as JSON' },
  { long: 'json-pretty', value: 'none', help: 'Print the status as indented JSON' },
  { long: 'simple', value: 'none', help: 'Print a one-line summary of the status' },
  { long: 'all', value: 'none', help: 'Every application listed in /etc/procodile (or PROCODILE_CONFIG)' },
] as const;

export const statusCommand = defineCommand({
  name: 'status',
  description: 'Show the current status of processes',
  options: OPTIONS,
  behaviour: { brokenConfig: 'use-pid-directory', loadsApp: { unless: 'all' } },
  run: runStatus,
});
