// The order that `depends_on:` gives processes: a process starts once everything it depends
// on is ready and stops before it. Checked when the configuration loads, so a missing name or
// a cycle is a configuration error that names it, never a start that waits forever.
import type { ProcessDefinition } from './types.js';

/** What is wrong with the depends_on lists, or undefined when they make an order. */
export function dependencyProblem(processes: readonly ProcessDefinition[], optionsPath: string): string | undefined {
  const names = new Set(processes.map((p) => p.name));
  for (const p of processes) {
    for (const dependency of p.dependsOn ?? []) {
      if (dependency === p.name) return `${optionsPath}: processes.${p.name}.depends_on names ${p.name} itself. Remove it.`;
      if (!names.has(dependency)) {
        return `${optionsPath}: processes.${p.name}.depends_on names '${dependency}', which is not in the Procfile. Use one of: ${[...names].join(', ')}.`;
      }
    }
  }
  const cycle = findCycle(processes);
  if (cycle !== undefined) {
    return `${optionsPath}: depends_on makes a cycle: ${cycle.join(' -> ')}. Remove one of these dependencies.`;
  }
  return undefined;
}

function findCycle(processes: readonly ProcessDefinition[]): string[] | undefined {
  const byName = new Map(processes.map((p) => [p.name, p]));
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    const at = path.indexOf(name);
    if (at !== -1) return [...path.slice(at), name];
    if (done.has(name)) return undefined;
    for (const dependency of byName.get(name)?.dependsOn ?? []) {
      const cycle = visit(dependency, [...path, name]);
      if (cycle !== undefined) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const p of processes) {
    const cycle = visit(p.name, []);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/**
 * The processes in start order, grouped: each group depends only on earlier ones, so a group
 * starts once the one before it is ready. Names outside `processes` are ignored (a dependency
 * that is not being started is not waited for).
 */
export function dependencyLevels<T extends { definition: ProcessDefinition }>(entries: readonly T[]): T[][] {
  const names = new Set(entries.map((e) => e.definition.name));
  const level = new Map<string, number>();
  const byName = new Map(entries.map((e) => [e.definition.name, e]));
  const depth = (name: string, seen: Set<string>): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    // A cycle cannot get past loading; guard anyway so a bug cannot loop forever.
    if (seen.has(name)) return 0;
    seen.add(name);
    const deps = (byName.get(name)?.definition.dependsOn ?? []).filter((d) => names.has(d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => depth(d, seen)));
    level.set(name, value);
    return value;
  };
  const levels: T[][] = [];
  for (const entry of entries) {
    const n = depth(entry.definition.name, new Set());
    (levels[n] ??= []).push(entry);
  }
  return levels.filter((group) => group !== undefined);
}
