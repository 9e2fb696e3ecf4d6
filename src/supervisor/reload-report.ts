// Applies a freshly loaded configuration to the process table and says what changed, in the
// log and in the `reload_config` reply (as in Procodile).
import type { AppConfig } from '../config/types.js';
import type { IssueTracker } from './issues.js';
import { isLeaving } from './instance-state.js';
import type { ProcessTable } from './process-table.js';

/** One thing a reload changed, and how many instances still run as before it. */
export interface ReloadSummary {
  kind: 'added' | 'removed' | 'command-changed' | 'options-changed' | 'env-changed';
  /** The process; absent for the global env. */
  name?: string;
  /** removed: instances still running; changed: instances running with the old settings. */
  running?: number;
  /** options-changed: the option names (as in Procfile.options) that differ. */
  options?: string[];
}

export function applyReload(
  table: ProcessTable,
  issues: IssueTracker,
  previous: AppConfig,
  next: AppConfig,
  log: (message: string) => void,
): ReloadSummary[] {
  const running = (name: string): number =>
    (table.get(name)?.instances ?? []).filter((i) => !isLeaving(i.state)).length;
  const changes: ReloadSummary[] = [];
  for (const change of table.reconcile(next)) {
    if (change.kind === 'added') log(`${change.name} has been added to the Procfile. Adding it.`);
    if (change.kind === 'command-changed') log(`${change.name} command has changed. Updated.`);
    if (change.kind === 'options-changed') log(`${change.name} options have changed (${change.options.join(', ')}). Updated.`);
    if (change.kind === 'removed') {
      log(`${change.name} has been removed from the Procfile. It will be removed when it is stopped.`);
      if (table.get(change.name) === undefined) issues.clearProcess(change.name);
    }
    changes.push({ ...change, running: running(change.name) });
  }
  if (JSON.stringify(previous.env) !== JSON.stringify(next.env)) {
    log('Environment variables have changed. Updated.');
    changes.push({ kind: 'env-changed', running: table.allInstances().filter((i) => i.state.name === 'running').length });
  }
  return changes;
}
