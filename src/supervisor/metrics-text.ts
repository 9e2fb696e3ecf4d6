// The supervisor's state in the Prometheus text format (version 0.0.4): one family per fact,
// labelled with app, process and (for instances) instance. Read on every scrape, so it only
// looks at what the supervisor already knows; the /proc work is the sampler's.
import { constants } from 'node:os';
import type { Instance } from './instance.js';
import type { ProcessEntry } from './process-table.js';
import type { InstanceUsage } from './sampler.js';
import type { JobHistory } from './scheduler.js';

export interface MetricsSource {
  appName: string;
  /** Unix seconds, once started. */
  startedAt?: number;
  entries: ProcessEntry[];
  usage(instance: Instance): InstanceUsage | undefined;
  history(processName: string): JobHistory;
}

type Labels = Record<string, string>;

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: { labels: Labels; value: number }[];
}

/** Label values may hold anything a name may: backslash, quote and newline are escaped. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function render(families: Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const { labels, value } of family.samples) {
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      lines.push(`${family.name}{${text}} ${formatValue(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A shell's convention: a death by signal N is status 128 + N. */
function exitStatusOf(instance: Instance): number | undefined {
  const exit = instance.lastExit;
  if (exit === undefined) return undefined;
  if (exit.status !== null) return exit.status;
  const number = exit.signal === null ? undefined : (constants.signals as Record<string, number | undefined>)[exit.signal];
  return number === undefined ? undefined : 128 + number;
}

export function renderMetrics(source: MetricsSource): string {
  const family = (name: string, type: Family['type'], help: string): Family => ({ name, type, help, samples: [] });
  const supervisorStart = family('procodile_supervisor_start_time_seconds', 'gauge', 'When the supervisor started, in Unix seconds.');
  const up = family('procodile_instance_up', 'gauge', 'Whether the instance is running (1) or not (0).');
  const ready = family('procodile_instance_ready', 'gauge', 'Whether the instance is running and ready (1) or not (0).');
  const respawns = family('procodile_instance_respawns', 'gauge', 'Respawns of the instance within its respawn_window.');
  const cpu = family('procodile_instance_cpu_seconds_total', 'counter', 'CPU time used by the instance\'s process group during its current run.');
  const rss = family('procodile_instance_resident_memory_bytes', 'gauge', 'Resident memory of the instance\'s process group at the last sample.');
  const started = family('procodile_instance_start_time_seconds', 'gauge', 'When the current run of the instance started, in Unix seconds.');
  const lastExit = family('procodile_instance_last_exit_status', 'gauge', 'Exit status of the instance\'s last exit (128 + N for signal N).');
  const jobStart = family('procodile_scheduled_last_run_timestamp_seconds', 'gauge', 'When the last run of the scheduled process started, in Unix seconds.');
  const jobDuration = family('procodile_scheduled_last_run_duration_seconds', 'gauge', 'How long the last finished run of the scheduled process took.');
  const jobExit = family('procodile_scheduled_last_exit_status', 'gauge', 'Exit status of the last finished run of the scheduled process (-1: killed by a signal).');

  const app = source.appName;
  if (source.startedAt !== undefined) supervisorStart.samples.push({ labels: { app }, value: source.startedAt });
  for (const entry of source.entries) {
    const process = entry.definition.name;
    if (entry.definition.schedule !== undefined) {
      const history = source.history(process);
      const labels = { app, process };
      if (history.lastStartedAt !== undefined) jobStart.samples.push({ labels, value: history.lastStartedAt });
      if (history.lastRunDuration !== undefined) jobDuration.samples.push({ labels, value: history.lastRunDuration });
      if (history.lastExitStatus !== undefined) jobExit.samples.push({ labels, value: history.lastExitStatus ?? -1 });
      continue;
    }
    for (const instance of entry.instances) {
      const labels = { app, process, instance: instance.description };
      const state = instance.state;
      const running = state.name === 'running' && instance.isAlive();
      up.samples.push({ labels, value: running ? 1 : 0 });
      ready.samples.push({ labels, value: running && state.name === 'running' && state.readyAtMs !== undefined ? 1 : 0 });
      respawns.samples.push({ labels, value: instance.respawns });
      const usage = source.usage(instance);
      if (usage !== undefined) {
        cpu.samples.push({ labels, value: usage.cpuSeconds });
        rss.samples.push({ labels, value: usage.rssBytes });
      }
      if (running && instance.startedAt !== undefined) started.samples.push({ labels, value: instance.startedAt });
      const status = exitStatusOf(instance);
      if (status !== undefined) lastExit.samples.push({ labels, value: status });
    }
  }
  return render([supervisorStart, up, ready, respawns, cpu, rss, started, lastExit, jobStart, jobDuration, jobExit]);
}
