// The supervisor's table of processes: each configured (or removed-but-running) process with
// its instances and instance counter, kept in Procfile order, reconciled on reload (as in Procodile).
import type { AppConfig, ProcessDefinition } from '../config/types.js';
import { LOG_COLORS } from '../config/types.js';
import { Instance, type LivenessProbe } from './instance.js';

/** Ids wrap after this many instances of one process (as in Procodile). */
const MAX_INSTANCE_ID = 10000;

export interface ProcessEntry {
  definition: ProcessDefinition;
  instances: Instance[];
  removed: boolean;
  lastId: number;
}

export type ReloadChange =
  | { kind: 'added'; name: string }
  | { kind: 'removed'; name: string }
  | { kind: 'command-changed'; name: string }
  | { kind: 'options-changed'; name: string; options: string[] };

/** Definition fields as the option names users write in Procfile.options. */
const OPTION_NAMES: [keyof ProcessDefinition, string][] = [
  ['schedule', 'at'],
  ['quantity', 'quantity'],
  ['restartMode', 'restart_mode'],
  ['maxRespawns', 'max_respawns'],
  ['respawnWindow', 'respawn_window'],
  ['logPath', 'log_path'],
  ['termSignal', 'term_signal'],
  ['allocatePortFrom', 'allocate_port_from'],
  ['proxyPort', 'proxy_port'],
  ['proxyAddress', 'proxy_address'],
  ['networkProtocol', 'network_protocol'],
  ['randomDelay', 'random_delay'],
  ['env', 'env'],
  ['stopTimeout', 'stop_timeout'],
  ['maxMemory', 'max_memory'],
];

function changedOptions(before: ProcessDefinition, after: ProcessDefinition): string[] {
  return OPTION_NAMES.filter(([field]) => JSON.stringify(before[field]) !== JSON.stringify(after[field])).map(
    ([, option]) => option,
  );
}

export class ProcessTable {
  readonly #entries = new Map<string, ProcessEntry>();
  readonly #probe: LivenessProbe;

  constructor(config: AppConfig, probe: LivenessProbe) {
    this.#probe = probe;
    for (const definition of config.processes) {
      this.#entries.set(definition.name, { definition, instances: [], removed: false, lastId: 0 });
    }
  }

  get(name: string): ProcessEntry | undefined {
    return this.#entries.get(name);
  }

  /** Configured processes in Procfile order, then removed ones still known. */
  entries(): ProcessEntry[] {
    const all = [...this.#entries.values()];
    return [...all.filter((e) => !e.removed), ...all.filter((e) => e.removed)];
  }

  allInstances(): Instance[] {
    return this.entries().flatMap((e) => e.instances);
  }

  /** Whether some instance passes `test`: stops at the first, builds no list (cheap to ask often). */
  someInstance(test: (instance: Instance) => boolean): boolean {
    for (const entry of this.#entries.values()) for (const instance of entry.instances) if (test(instance)) return true;
    return false;
  }

  /** Takes the next instance id, for an instance that will be created later. */
  reserveId(entry: ProcessEntry): number {
    entry.lastId = entry.lastId >= MAX_INSTANCE_ID ? 1 : entry.lastId + 1;
    return entry.lastId;
  }

  newInstance(entry: ProcessEntry, id = this.reserveId(entry)): Instance {
    const instance = new Instance(entry.definition.name, id, this.#probe);
    entry.instances.push(instance);
    return instance;
  }

  /** A place for an instance found alive from an earlier supervisor, under its old id. */
  restoreInstance(entry: ProcessEntry, id: number): Instance {
    entry.lastId = Math.max(entry.lastId, id);
    const instance = new Instance(entry.definition.name, id, this.#probe);
    entry.instances.push(instance);
    return instance;
  }

  removeInstance(instance: Instance): void {
    const entry = this.#entries.get(instance.processName);
    if (entry === undefined) return;
    entry.instances = entry.instances.filter((i) => i !== instance);
    if (entry.removed && entry.instances.length === 0) this.#entries.delete(entry.definition.name);
  }

  /** Applies a freshly loaded configuration; running instances keep their old command. */
  reconcile(config: AppConfig): ReloadChange[] {
    const changes: ReloadChange[] = [];
    const wanted = new Set(config.processes.map((p) => p.name));
    for (const entry of this.#entries.values()) {
      if (wanted.has(entry.definition.name) || entry.removed) continue;
      entry.removed = true;
      changes.push({ kind: 'removed', name: entry.definition.name });
      if (entry.instances.length === 0) this.#entries.delete(entry.definition.name);
    }
    const previous = new Map(this.#entries);
    this.#entries.clear();
    for (const definition of config.processes) {
      const existing = previous.get(definition.name);
      if (existing === undefined) {
        // A process added later takes the colour for the current process count (as in Procodile).
        const color = LOG_COLORS[previous.size % LOG_COLORS.length] ?? definition.color;
        this.#entries.set(definition.name, {
          definition: { ...definition, color },
          instances: [],
          removed: false,
          lastId: 0,
        });
        changes.push({ kind: 'added', name: definition.name });
        continue;
      }
      if (existing.definition.command !== definition.command) {
        changes.push({ kind: 'command-changed', name: definition.name });
      }
      const options = changedOptions(existing.definition, definition);
      if (options.length > 0) changes.push({ kind: 'options-changed', name: definition.name, options });
      existing.definition = { ...definition, color: existing.definition.color };
      existing.removed = false;
      this.#entries.set(definition.name, existing);
      previous.delete(definition.name);
    }
    for (const [name, entry] of previous) if (entry.removed) this.#entries.set(name, entry);
    return changes;
  }
}
