// Which files `procodile log` reads: every process log by default, the processes and
// instances named by -p, and the supervisor log on request (README.md, "Logs").
import type { AppConfig, LogColor, ProcessDefinition } from '../config/types.js';
import { ProcodileError } from '../errors.js';
import { existingInstanceLogs, instanceLogPath } from './log-files.js';

export interface LogSource {
  /** The prefix: the instance (`web.1`) for a per-instance log, the process (`web`) otherwise. */
  label: string;
  path: string;
  color?: LogColor;
  /** The supervisor log, whose lines already carry their time and source. */
  prefixed: boolean;
}

export interface LogSelection {
  sources: LogSource[];
  /** Per-instance processes whose new instances (new files) are picked up while following. */
  discover: ProcessDefinition[];
}

export function sourcesOf(definition: ProcessDefinition, instanceId?: number): LogSource[] {
  if (definition.logPerInstance !== true) return [{ label: definition.name, path: definition.logPath, color: definition.color, prefixed: false }];
  const ids = instanceId === undefined ? [...existingInstanceLogs(definition).keys()].sort((a, b) => a - b) : [instanceId];
  return ids.map((id) => ({ label: `${definition.name}.${id}`, path: instanceLogPath(definition, id), color: definition.color, prefixed: false }));
}

function unknown(app: AppConfig, name: string): ProcodileError {
  const known = app.processes.map((p) => p.name).join(', ');
  return new ProcodileError('UNKNOWN_PROCESS', `Invalid process name '${name}' (known processes: ${known})`);
}

/** `names`: the -p list (`web,worker.2`), or undefined for every process. */
export function selectSources(app: AppConfig, names: string | undefined, supervisor: boolean): LogSelection {
  const sources: LogSource[] = [];
  const discover: ProcessDefinition[] = [];
  if (supervisor) sources.push({ label: 'procodile', path: app.logPath, prefixed: true });
  const wanted = names === undefined ? app.processes.map((p) => p.name) : names.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names !== undefined && wanted.length === 0) throw new ProcodileError('INVALID_ARGUMENT', 'No process named after -p: give names such as -p web,worker or -p web.1');
  for (const name of wanted) {
    const whole = app.processes.find((p) => p.name === name);
    if (whole !== undefined) {
      sources.push(...sourcesOf(whole));
      if (whole.logPerInstance === true) discover.push(whole);
      continue;
    }
    const match = /^(.+)\.(\d+)$/.exec(name);
    const definition = match === null ? undefined : app.processes.find((p) => p.name === match[1]);
    if (match === null || definition === undefined) throw unknown(app, name);
    if (definition.logPerInstance !== true) {
      throw new ProcodileError(
        'INVALID_ARGUMENT',
        `The instances of ${definition.name} share ${definition.logPath}, so ${name}'s lines cannot be told apart there. ` +
          `Use -p ${definition.name}, or set log_per_instance: true for ${definition.name} in Procfile.options to give each instance its own log.`,
      );
    }
    sources.push(...sourcesOf(definition, Number(match[2])));
  }
  const seen = new Set<string>();
  return { sources: sources.filter((s) => (seen.has(s.path) ? false : (seen.add(s.path), true))), discover };
}
