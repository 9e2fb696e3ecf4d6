// `procodile reload`: the supervisor re-reads the Procfile and options files; we print what
// that changed and what it takes for each change to apply.
import { sendRequest } from '../../control/client.js';
import type { ReloadChangeJson } from '../../control/protocol.js';
import { detectSupervisor } from '../../daemon/detect.js';
import { explainUnreachable } from '../../control/trust.js';
import { defineCommand, type CommandContext } from '../define-command.js';
import { reportIssues } from '../issue-report.js';
import type { Colors } from '../terminal.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function describeReloadChange(change: ReloadChangeJson, c: Colors): string {
  const name = change.name ?? '';
  const running = change.running ?? 0;
  const keep = (what: string, verb: string): string =>
    running === 0
      ? `${verb} when it is next started`
      : `${plural(running, 'running instance')} ${running === 1 ? 'keeps' : 'keep'} ${what} until \`procodile restart -p ${name}\``;
  switch (change.kind) {
    case 'added':
      return `${c.green('Added')} ${name}: not started yet; \`procodile start -p ${name}\` (or \`check_concurrency\`, or a full \`restart\`) starts it`;
    case 'removed':
      return running === 0
        ? `${c.red('Removed')} ${name}`
        : `${c.red('Removed')} ${name}: ${plural(running, 'instance')} still running; \`procodile stop -p ${name}\` stops it`;
    case 'command-changed':
      return `${c.yellow('Changed')} the command of ${name}: ${keep('the old command', 'applies')}`;
    case 'options-changed': {
      const options = change.options ?? [];
      return `${c.yellow('Changed')} ${options.join(', ')} of ${name}: ${keep('the old settings', options.length === 1 ? 'applies' : 'apply')}`;
    }
    case 'env-changed':
      return running === 0
        ? `${c.yellow('Changed')} the environment variables`
        : `${c.yellow('Changed')} the environment variables: running processes get them when restarted (\`procodile restart\`)`;
  }
}

async function runReload(ctx: CommandContext): Promise<number> {
  const { app, term } = ctx;
  if (!(await detectSupervisor(app)).running) {
    throw explainUnreachable(app);
  }
  const reply = await sendRequest(app, 'reload_config', { report_changes: true });
  term.out('Reloaded Procodile config');
  // A supervisor of an older procodile (or Procodile itself) does not say what changed.
  if (reply.changes !== undefined) {
    for (const change of reply.changes) term.out(describeReloadChange(change, term.color));
    if (reply.changes.length === 0) term.out('Nothing has changed.');
  }
  await reportIssues(app, term, 1000);
  return 0;
}

export const reloadCommand = defineCommand({
  name: 'reload',
  description: 'Reload Procodile configuration',
  options: [],
  behaviour: { brokenConfig: 'supervisor-reports' },
  run: runReload,
});
