// `procodile restart`: replaces or signals instances by their restart mode and reports
// exactly what changed.
import { sendRequest } from '../../control/client.js';
import { detectSupervisor } from '../../daemon/detect.js';
import { explainUnreachable } from '../../control/trust.js';
import { defineCommand, type CommandContext } from '../define-command.js';
import { fetchStatus, reportIssues } from '../issue-report.js';
import { processesOption, tagOption } from '../option-values.js';
import { processNames, removedButRunning, validateProcessNames } from '../supervisor-options.js';

async function runRestart(ctx: CommandContext<typeof OPTIONS>): Promise<number> {
  const { app, options, term } = ctx;
  const names = processNames(ctx);
  if (!(await detectSupervisor(app)).running) {
    throw explainUnreachable(app);
  }
  // Only a name the files no longer configure needs the supervisor's list of what runs.
  const unknown = (names ?? []).some((n) => !app.processes.some((p) => p.name === n || p.name === n.replace(/\.\d+$/, '')));
  const before = unknown ? await fetchStatus(app, 0) : undefined;
  validateProcessNames(app, names, removedButRunning(before, app));
  const reply = await sendRequest(app, 'restart', { process_names: names, tag: options.tag, wait: options.wait || undefined });
  const c = term.color;
  for (const { previous_instance: old, current_instance: now } of reply.changes) {
    if (old !== null && now !== null) {
      const same = old.description === now.description;
      term.out(`${c.magenta('Restarted')} ${old.description}${same ? '' : ` -> ${now.description}`}`);
    } else if (old !== null) term.out(`${c.red('Stopped')} ${old.description}`);
    else if (now !== null) term.out(`${c.green('Started')} ${now.description} (was not running)`);
  }
  const jobs = (names ?? []).filter((n) => app.processes.some((p) => p.name === n && p.schedule !== undefined));
  if (reply.changes.length === 0) {
    if (jobs.length > 0) term.out(`Reloaded schedule for ${jobs.join(', ')}.`);
    else {
      // The line and exit status are Procodile's; an instance selector that matches
      // nothing running (`web.9`) is most likely a typo, so say so beside it.
      term.out('There are no processes to restart.');
      const instances = (names ?? []).filter((n) => n.includes('.'));
      if (instances.length > 0) {
        term.err(term.errColor.yellow(`No running instance is called ${instances.join(', ')}; \`procodile status\` lists them.`));
      }
    }
  }
  if (names === undefined) {
    // After the restart, the supervisor has reloaded the files and knows what was removed.
    const after = (await fetchStatus(app, 1000)) ?? before;
    for (const name of removedButRunning(after, app)) {
      for (const instance of after?.instances[name] ?? []) {
        if (instance.status === 'stopping' || instance.status === 'stopped') continue;
        term.out(`${c.yellow('Skipped')} ${instance.description}, it is still running but has been removed from the Procfile`);
      }
    }
  }
  for (const warning of reply.warnings ?? []) term.out(`${c.yellow('Note:')} ${warning}`);
  // A new instance that never became ready, or a failed release_command: the deploy did not
  // happen as asked, so the exit status says so (the old instances keep serving).
  const errors = reply.errors ?? [];
  for (const error of errors) term.err(term.errColor.red(`Restart failed: ${error}`));
  for (const line of reply.release_output ?? []) term.err(`  ${line}`);
  if (errors.length > 0) return 1;
  await reportIssues(app, term, 1000);
  return 0;
}

const OPTIONS = [
  processesOption('Only restart the listed processes or instances (NAME or NAME.N)'),
  tagOption('Tag all restarted processes with the given tag'),
  { long: 'wait', value: 'none', help: 'Return once every new instance is ready' },
] as const;

export const restartCommand = defineCommand({
  name: 'restart',
  description: 'Restart processes',
  options: OPTIONS,
  behaviour: { brokenConfig: 'supervisor-reports', extraWords: 'rejected' },
  run: runRestart,
});
