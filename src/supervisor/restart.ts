// Restarting instances by their process's restart_mode (spec 7.1, 7.2): replace or signal
// each selected instance, then bring every process in scope to its quantity.
import type { InstanceJson, RestartChange } from '../control/protocol.js';
import type { Logger } from '../logging/logger.js';
import { signalPid } from '../proc/process-group.js';
import type { Instance } from './instance.js';
import type { Lifecycle } from './lifecycle.js';
import type { ProcessEntry, ProcessTable } from './process-table.js';
import { matchesSelector, type Selector } from './selectors.js';

export interface RestartScope {
  entries: ProcessEntry[];
  selectors?: Selector[];
  table: ProcessTable;
  lifecycle: Lifecycle;
  logger: Logger;
  json: (instance: Instance) => InstanceJson;
}

const isActive = (i: Instance): boolean => i.state !== 'stopping' && i.state !== 'stopped';

async function replace(scope: RestartScope, entry: ProcessEntry, old: Instance): Promise<RestartChange> {
  const { definition } = entry;
  const log = (message: string): void => scope.logger.log(old.description, message, definition.color);
  log(`Restarting using ${definition.restartMode} mode`);
  scope.lifecycle.refreshPid(old);
  const before = scope.json(old);
  const mode = old.state === 'failed' ? 'term-start' : definition.restartMode;
  switch (mode) {
    case 'usr1':
    case 'usr2': {
      if (old.isAlive() && old.pid !== undefined) {
        const signal = mode === 'usr1' ? 'SIGUSR1' : 'SIGUSR2';
        signalPid(old.pid, signal);
        log(`Sent ${signal.replace('SIG', '')} signal to process ${old.pid}`);
        log('The process was only signalled: changes to its command or environment apply once it is restarted for real');
        return { previous_instance: before, current_instance: scope.json(old) };
      }
      // Nothing to signal: a dead instance is simply replaced (and leaves no ghost, Q9).
      await scope.lifecycle.stop(old);
      return { previous_instance: before, current_instance: await startReplacement(scope, entry, old.port) };
    }
    case 'start-term': {
      const current = await startReplacement(scope, entry, undefined);
      void scope.lifecycle.stop(old);
      return { previous_instance: before, current_instance: current };
    }
    case 'term-start': {
      await scope.lifecycle.stop(old);
      return { previous_instance: before, current_instance: await startReplacement(scope, entry, old.port) };
    }
  }
}

async function startReplacement(scope: RestartScope, entry: ProcessEntry, port: number | undefined): Promise<InstanceJson | null> {
  const instance = scope.table.newInstance(entry);
  instance.port = port;
  if (await scope.lifecycle.start(entry.definition, instance)) return scope.json(instance);
  if (instance.state === 'failed') scope.table.removeInstance(instance);
  return null;
}

export async function restartInstances(scope: RestartScope): Promise<RestartChange[]> {
  const { selectors } = scope;
  const inScope = scope.entries.filter(
    (e) => selectors === undefined || selectors.some((s) => s.name === e.definition.name),
  );
  const wholeProcess = (e: ProcessEntry): boolean =>
    selectors === undefined || selectors.some((s) => s.name === e.definition.name && s.instance === undefined);
  const changes: RestartChange[] = [];

  for (const entry of inScope.filter(wholeProcess)) {
    const active = entry.instances.filter(isActive);
    for (const extra of active.slice(0, Math.max(0, active.length - entry.definition.quantity))) {
      changes.push({ previous_instance: scope.json(extra), current_instance: null });
      void scope.lifecycle.stop(extra);
    }
  }

  const work: Promise<RestartChange>[] = [];
  for (const entry of inScope) {
    for (const instance of entry.instances.filter(isActive)) {
      if (selectors !== undefined && !matchesSelector(selectors, entry.definition.name, instance.id)) continue;
      work.push(replace(scope, entry, instance));
    }
  }
  changes.push(...(await Promise.all(work)));

  for (const entry of inScope.filter(wholeProcess)) {
    const active = entry.instances.filter((i) => isActive(i) && i.state !== 'failed').length;
    for (let n = active; n < entry.definition.quantity; n += 1) {
      const current = await startReplacement(scope, entry, undefined);
      if (current !== null) changes.push({ previous_instance: null, current_instance: current });
    }
  }
  return changes;
}
