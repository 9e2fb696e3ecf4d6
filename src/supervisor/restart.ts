// Restarting instances by their process's restart_mode (as in Procodile): replace or signal
// each selected instance, then bring every process in scope to its quantity. Replacing modes
// roll (README, "Zero-downtime deploys"): per process, `max_surge` instances at a time, each
// new one ready before the next step; one that is not ready in time ends that process's roll
// and, in start-term mode, the instance it was to replace keeps running.
import { dependencyLevels } from '../config/dependencies.js';
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
  /** The tag given with this restart, if any: signalled instances take it too (as in Procodile). */
  tag?: string;
  selectors?: Selector[];
  table: ProcessTable;
  lifecycle: Lifecycle;
  logger: Logger;
  /** What the caller wants to know of an instance at a moment (its reply's view of it). */
  view: (instance: Instance) => T;
}

export interface RestartFailure {
  processName: string;
  message: string;
}

export interface RestartOutcome<T> {
  changes: RestartChange<T>[];
  /** Things the user should know, e.g. changes that a signalled process did not pick up. */
  warnings: string[];
  /** New instances that did not become ready: their process's roll stopped there. */
  failures: RestartFailure[];
}

/** What became of replacing one instance. */
type Replaced<T> = { change?: RestartChange<T>; failure?: string };

const isActive = (i: Instance): boolean => isActiveState(i.state);

async function replace<T>(scope: RestartScope<T>, entry: ProcessEntry, old: Instance, warn: (text: string) => void): Promise<Replaced<T>> {
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
        return { change: { previous: before, current: scope.view(old) } };
      }
      // Nothing to signal: a dead instance is simply replaced (and leaves no ghost, Q9).
      const id = scope.table.reserveId(entry);
      await scope.lifecycle.stop(old);
      const started = await startReplacement(scope, entry, old.port, id);
      return { change: { previous: before, current: started === null ? null : scope.view(started) } };
    }
    case 'start-term': {
      const current = await startReplacement(scope, entry, undefined);
      if (current === null) {
        // No replacement: stopping the old one would leave nothing running.
        const text = `${old.description} was kept running: its replacement could not be started.`;
        log(text);
        warn(text);
        return {};
      }
      const ready = await scope.lifecycle.whenReady(current);
      if (!ready.ready) {
        void scope.lifecycle.stop(current);
        const text = `${current.description} ${ready.reason}; ${old.description} was kept running.`;
        log(text);
        return { failure: text };
      }
      void scope.lifecycle.stop(old);
      return { change: { previous: before, current: scope.view(current) } };
    }
    case 'term-start': {
      // The id is taken now, so replacements are numbered in the order of the old instances.
      const id = scope.table.reserveId(entry);
      await scope.lifecycle.stop(old);
      const current = await startReplacement(scope, entry, old.port, id);
      if (current === null) return { change: { previous: before, current: null } };
      const ready = await scope.lifecycle.whenReady(current);
      const change = { previous: before, current: scope.view(current) };
      if (ready.ready) return { change };
      void scope.lifecycle.stop(current);
      return { change, failure: `${current.description} ${ready.reason}.` };
    }
  }
}

/** Replaces a process's selected instances, `max_surge` at a time, until one is not ready. */
async function roll<T>(scope: RestartScope<T>, entry: ProcessEntry, olds: Instance[], warn: (text: string) => void): Promise<Replaced<T>[]> {
  const surge = entry.definition.maxSurge ?? 1;
  const results: Replaced<T>[] = [];
  for (let at = 0; at < olds.length; at += surge) {
    const batch = await Promise.all(olds.slice(at, at + surge).map((old) => replace(scope, entry, old, warn)));
    results.push(...batch);
    if (batch.some((r) => r.failure !== undefined)) {
      const left = olds.slice(at + surge).map((i) => i.description);
      if (left.length > 0) {
        results.push({ failure: `${left.join(', ')} ${left.length === 1 ? 'was' : 'were'} not restarted and keep running.` });
      }
      break;
    }
  }
  return results;
}

async function startReplacement<T>(
  scope: RestartScope<T>,
  entry: ProcessEntry,
  port: number | undefined,
  id?: number,
): Promise<Instance | null> {
  const instance = scope.table.newInstance(entry, id);
  instance.port = port;
  if (await scope.lifecycle.start(entry.definition, instance)) return instance;
  if (instance.state.name === 'failed') scope.table.removeInstance(instance);
  return null;
}

/** The oldest live instances beyond the process's quantity: the ones to stop (as in Procodile). */
export function excessInstances(entry: ProcessEntry): Instance[] {
  const active = entry.instances.filter(isActive);
  return active.slice(0, Math.max(0, active.length - entry.definition.quantity));
}

/** The processes a restart touches: a bare restart leaves out those with restart_on_deploy: false. */
export function restartScope(entries: ProcessEntry[], selectors: Selector[] | undefined): ProcessEntry[] {
  if (selectors === undefined) return entries.filter((e) => e.definition.restartOnDeploy !== false);
  return entries.filter((e) => selectors.some((s) => s.name === e.definition.name));
}

export async function restartInstances<T>(scope: RestartScope<T>): Promise<RestartOutcome<T>> {
  const { selectors } = scope;
  const inScope = restartScope(scope.entries, selectors);
  const wholeProcess = (e: ProcessEntry): boolean =>
    selectors === undefined || selectors.some((s) => s.name === e.definition.name && s.instance === undefined);
  const changes: RestartChange<T>[] = [];
  const warnings: string[] = [];
  const failures: RestartFailure[] = [];
  const warn = (text: string): void => {
    warnings.push(text);
  };

  for (const entry of inScope.filter(wholeProcess)) {
    for (const extra of excessInstances(entry)) {
      changes.push({ previous: scope.view(extra), current: null });
      void scope.lifecycle.stop(extra);
    }
  }

  // Dependencies first: what depends on them is replaced once their new instances are ready.
  for (const level of dependencyLevels(inScope)) {
    const rolled = await Promise.all(
      level.map(async (entry) => {
        const olds = entry.instances
          .filter(isActive)
          .filter((i) => selectors === undefined || matchesSelector(selectors, entry.definition.name, i.id));
        return { entry, results: await roll(scope, entry, olds, warn) };
      }),
    );
    for (const { entry, results } of rolled) {
      for (const result of results) {
        if (result.change !== undefined) changes.push(result.change);
        if (result.failure !== undefined) failures.push({ processName: entry.definition.name, message: result.failure });
      }
    }
  }

  for (const entry of inScope.filter(wholeProcess)) {
    // A process whose roll failed is not topped up with more instances of the broken release.
    if (failures.some((f) => f.processName === entry.definition.name)) continue;
    const active = entry.instances.filter((i) => isActive(i) && i.state.name !== 'failed').length;
    for (let n = active; n < entry.definition.quantity; n += 1) {
      const current = await startReplacement(scope, entry, undefined);
      if (current !== null) changes.push({ previous: null, current: scope.view(current) });
    }
  }
  return { changes, warnings, failures };
}
