// The run options a supervisor takes over from the dead one whose instances it adopted: a
// plain `procodile start` after a crash serves the application as the first start did, with
// its proxy, env file and port allocations (README.md, "The TCP proxy").
import type { RunMemory } from '../runtime/adoption-record.js';

/** Which run options this start's command line gave: those win over the previous supervisor's. */
export interface GivenRunOptions {
  proxy: boolean;
  envFile: boolean;
  portAllocations: boolean;
}

/** The run options of this supervisor that a predecessor's may fill in. */
export interface RunSettings {
  proxy: boolean;
  envFile?: string;
  portAllocations: Record<string, number>;
}

export const NOTHING_GIVEN: GivenRunOptions = { proxy: false, envFile: false, portAllocations: false };

/**
 * Fills `current` from what the previous supervisor ran with, where this start's command line
 * was silent; returns a log line for each option taken over. `--no-respawn` and
 * `--stop-when-none` are not kept: they describe how a supervisor behaves while it lives (a
 * development session), not how the application is served, and a supervisor started again
 * to recover is better off respawning.
 */
export function keepRunOptions(previous: RunMemory, current: RunSettings, given: GivenRunOptions): string[] {
  const kept: string[] = [];
  if (previous.proxy && !current.proxy && !given.proxy) {
    current.proxy = true;
    kept.push('Proxy kept from the previous supervisor');
  }
  if (previous.envFile !== undefined && current.envFile === undefined && !given.envFile) {
    current.envFile = previous.envFile;
    kept.push(`Env file ${previous.envFile} kept from the previous supervisor`);
  }
  const ports = Object.entries(previous.portAllocations ?? {});
  if (ports.length > 0 && !given.portAllocations) {
    for (const [name, port] of ports) if (!Object.hasOwn(current.portAllocations, name)) current.portAllocations[name] = port;
    kept.push(`Port allocations ${ports.map(([name, port]) => `${name}:${port}`).join(',')} kept from the previous supervisor`);
  }
  return kept;
}
