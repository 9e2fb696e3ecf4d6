// Restarting instances by their process's restart_mode (spec 7.1, 7.2): replace or signal
// each selected instance, then bring every process in scope to its quantity.
import type { AppConfig } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import type { Instance } from './instance.js';
import { isActive as isActiveState } from './instance-state.js';
import { launchFingerprint } from './instance-env.js';
import type { Lifecycle } from './lifecycle.js';
import type { ProcessEntry, ProcessTable } from './process-table.js';
import { matchesSelector, type Selector } from './selectors.js';

/** An instance before and after its restart; null where there is none. */
export interface RestartChange<T> {
  previous: T | null;
  current: T | null;
}

export interface RestartScope<T> {
  app: AppConfig;
  entries: ProcessEntry[];
  /** The tag given with this restart, if any: signalled instances take it too (spec 7.1). */
  tag?: string;
  selectors?: Selector[];
  table: ProcessTable;
  lifecycle: Lifecycle;
  logger: Logger;
  /** What the caller wants to know of an instance at a moment (its reply's view of it). */
  view: (instance: Instance) => T;
}

export interface RestartOutcome<T> {
  changes: RestartChange<T>[];
  /** Things the user should know, e.g. changes that a signalled process did not pick up. */
  warnings: string[];
}

const isActive = (i: Instance): boolean => isActiveState(i.state);

async function replace<T>(
  scope: RestartScope<T>,
  entry: ProcessEntry,
  old: Instance,
  warn: (text: string) => void,
): Promise<RestartChange<T> | undefined> {
  const { definition } = entry;
  const log = (message: string): void => scope.logger.log(old.description, message, definition.color);
  log(`Restarting using ${definition.restartMode} mode`);
  scope.lifecycle.refreshPid(old);
  const before = scope.view(old);
  const mode = old.state.name === 'failed' ? 'term-start' : definition.restartMode;
  switch (mode) {
    case 'usr1':
    case 'usr2': {
      if (old.isAlive() && old.pid !== undefined) {
        const signal = mode === 'usr1' ? 'SIGUSR1' : 'SIGUSR2';
        scope.lifecycle.signalMain(old, signal);
        if (scope.tag !== undefined) old.tag = scope.tag;
        log(`Sent ${signal.replace('SIG', '')} signal to process ${old.pid}`);
        // The process keeps the command and environment it was started with (Ruby PR #42).
        if (old.launchedWith !== launchFingerprint(scope.app, definition)) {
          const what = old.launchedWith === undefined ? 'any change' : 'the changes';
          const text =
            `${old.description} was only sent ${signal} (restart_mode ${mode}): ${what} to its command or environment ` +
            `will not apply until it is started anew (procodile stop -p ${definition.name} --wait, then procodile start -p ${definition.name}).`;
          log(text);
          warn(text);
        }
        return { previous: before, current: scope.view(old) };
      }
      // Nothing to signal: a dead instance is simply replaced (and leaves no ghost, Q9).
      const id = scope.table.reserveId(entry);
      await scope.lifecycle.stop(old);
      return { previous: before, current: await startReplacement(scope, entry, old.port, id) };
    }
    case 'start-term': {
      const current = await startReplacement(scope, entry, undefined);
      if (current === null) {
        // No replacement: stopping the old one would leave nothing running.
        const text = `${old.description} was kept running: its replacement could not be started.`;
        log(text);
        warn(text);
        return undefined;
      }
      void scope.lifecycle.stop(old);
      return { previous: before, current: current };
    }
    case 'term-start': {
      // The id is taken now, so replacements are numbered in the order of the old instances.
      const id = scope.table.reserveId(entry);
      await scope.lifecycle.stop(old);
      return { previous: before, current: await startReplacement(scope, entry, old.port, id) };
    }
  }
}

async function startReplacement<T>(
  scope: RestartScope<T>,
  entry: ProcessEntry,
  port: number | undefined,
  id?: number,
): Promise<T | null> {
  const instance = scope.table.newInstance(entry, id);
  instance.port = port;
  if (await scope.lifecycle.start(entry.definition, instance)) return scope.view(instance);
  if (instance.state.name === 'failed') scope.table.removeInstance(instance);
  return null;
}

/** The oldest live instances beyond the process's quantity: the ones to stop (spec 7.3). */
export function excessInstances(entry: ProcessEntry): Instance[] {
  const active = entry.instances.filter(isActive);
  return active.slice(0, Math.max(0, active.length - entry.definition.quantity));
}

export async function restartInstances<T>(scope: RestartScope<T>): Promise<RestartOutcome<T>> {
  const { selectors } = scope;
  const inScope = scope.entries.filter(
    (e) => selectors === undefined || selectors.some((s) => s.name === e.definition.name),
  );
  const wholeProcess = (e: ProcessEntry): boolean =>
    selectors === undefined || selectors.some((s) => s.name === e.definition.name && s.instance === undefined);
  const changes: RestartChange<T>[] = [];
  const warnings: string[] = [];
  const warn = (text: string): void => {
    warnings.push(text);
  };

  for (const entry of inScope.filter(wholeProcess)) {
    for (const extra of excessInstances(entry)) {
      changes.push({ previous: scope.view(extra), current: null });
      void scope.lifecycle.stop(extra);
    }
  }

  const work: Promise<RestartChange<T> | undefined>[] = [];
  for (const entry of inScope) {
    for (const instance of entry.instances.filter(isActive)) {
      if (selectors !== undefined && !matchesSelector(selectors, entry.definition.name, instance.id)) continue;
      work.push(replace(scope, entry, instance, warn));
    }
  }
  for (const change of await Promise.all(work)) if (change !== undefined) changes.push(change);

  for (const entry of inScope.filter(wholeProcess)) {
    const active = entry.instances.filter((i) => isActive(i) && i.state.name !== 'failed').length;
    for (let n = active; n < entry.definition.quantity; n += 1) {
      const current = await startReplacement(scope, entry, undefined);
      if (current !== null) changes.push({ previous: null, current: current });
    }
  }
  return { changes, warnings };
}
