// The human `status` view (as in Procodile), in local time (D10, Q12).
import type { InstanceJson, ProcessJson, StatusMessage, StatusReply } from '../../control/protocol.js';
import type { Colors } from '../terminal.js';

const LABEL = 20;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `HH:MM` within a day, otherwise `YYYY-MM-DD`, local time. */
export function shortTime(unixSeconds: number | null, now = Date.now()): string {
  if (unixSeconds === null) return '-';
  const date = new Date(unixSeconds * 1000);
  if (now - date.getTime() < 24 * 3600 * 1000) return `${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
}

function fullTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Spec 12.1: `XhYmZs`, `YmZs`, `S.mmms`, or `Nms`. */
export function formatDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  const rest = ms % 1000;
  return rest === 0 ? `${s}s` : `${s}.${String(rest).padStart(3, '0')}s`;
}

export function messageText(message: StatusMessage): string {
  switch (message.type) {
    case 'not_running':
      return `${message.instance} is not running (${message.status})`;
    case 'incorrect_quantity':
      return `${message.process} has ${message.current} instances (should have ${message.desired})`;
    case 'removed_but_running':
      return `${message.process} has been removed from the Procfile but is still running; run \`procodile stop -p ${message.process}\` to stop it`;
  }
}

function colorOf(colors: Colors, name: string): (text: string) => string {
  const fn = (colors as unknown as Record<string, unknown>)[name];
  return typeof fn === 'function' ? (fn as (t: string) => string) : (t) => t;
}

/** `3d4h`, `2h5m`, `7m12s`, `40s`: the two largest units are enough to read at a glance. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s % 60}s`;
  return `${s}s`;
}

/** `512.0M`, `1.2G`: resident memory as top shows it, in binary units. */
export function formatBytes(bytes: number): string {
  const units = ['K', 'M', 'G', 'T'];
  let value = bytes / 1024;
  let unit = 'K';
  for (const next of units.slice(1)) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value.toFixed(1)}${unit}`;
}

/** CPU, memory and uptime, once the supervisor has sampled the instance (blank before). */
export function usageColumns(instance: InstanceJson): string {
  if (instance.uptime === undefined || instance.uptime === null) return '';
  const cpu = instance.cpu_percent === undefined || instance.cpu_percent === null ? '-' : `${instance.cpu_percent.toFixed(1)}%`;
  const mem = instance.rss_bytes === undefined || instance.rss_bytes === null ? '-' : formatBytes(instance.rss_bytes);
  return `   cpu:${cpu.padEnd(7)}   mem:${mem.padEnd(8)}   up:${formatUptime(instance.uptime)}`;
}

function instanceLine(instance: InstanceJson, paint: (t: string) => string): string {
  const status = instance.status.charAt(0).toUpperCase() + instance.status.slice(1);
  return (
    paint(`|| => ${instance.description.padEnd(17)}`) +
    ` ${status.padEnd(10)}` +
    `   ${shortTime(instance.started_at).padEnd(10)}` +
    `   pid:${String(instance.pid ?? '-').padEnd(6)}` +
    `   respawns:${String(instance.respawns).padEnd(4)}` +
    `   port:${String(instance.port ?? '-').padEnd(6)}` +
    `   tag:${instance.tag ?? '-'}` +
    exitColumns(instance) +
    usageColumns(instance)
  );
}

/** How the last run ended, and in backoff when the next start is due. */
function exitColumns(instance: InstanceJson): string {
  const status = instance.last_exit_status ?? null;
  const last = instance.last_exit_signal ?? (status === null ? undefined : String(status));
  const nextAt = instance.next_attempt_at ?? null;
  const next = nextAt === null ? '' : `   next try:${clockTime(nextAt)}`;
  return (last === undefined ? '' : `   last exit:${last}`) + next;
}

function clockTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

function restartPolicy(process: ProcessJson): string {
  const policy = process.restart ?? 'always';
  // `never` respawns nothing, so there is nothing to back off; min_uptime 0 turns backoff off.
  if (policy === 'never' || process.min_uptime === undefined) return policy;
  if (process.min_uptime === 0) return `${policy}, no backoff`;
  return `${policy}, backoff when up less than ${process.min_uptime}s (at most ${process.max_backoff ?? '?'}s)`;
}

function processBlock(status: StatusReply, process: ProcessJson, colors: Colors): string[] {
  const paint = colorOf(colors, process.log_color);
  const row = (label: string, value: string): string => `${paint('||')} ${label.padEnd(LABEL)}${value}`;
  const lines = [`${paint('||')} ${process.name}`];
  lines.push(row('Command', process.command));
  lines.push(row('Log path', process.log_path));
  if (process.schedule !== undefined) {
    lines.push(row('Schedule', process.schedule));
    if (process.random_delay > 0) lines.push(row('Random Delay', `up to ${process.random_delay} seconds`));
    if (process.last_started_at !== undefined) lines.push(row('Last Started At', fullTime(process.last_started_at)));
    if (process.last_finished_at !== undefined) lines.push(row('Last Finished At', fullTime(process.last_finished_at)));
    if (process.last_exit_status !== undefined) lines.push(row('Last Exit Status', String(process.last_exit_status ?? 'killed by a signal')));
    if (process.last_run_duration !== undefined) lines.push(row('Last Run Duration', formatDuration(process.last_run_duration)));
  } else {
    lines.push(row('Quantity', String(process.quantity)));
    lines.push(row('Respawning', `${process.max_respawns} every ${process.respawn_window} seconds`));
    lines.push(row('Restart mode', process.restart_mode));
    if (process.restart !== undefined) lines.push(row('Restart policy', restartPolicy(process)));
    lines.push(row('Stop timeout', `${process.stop_timeout} seconds`));
    const proxy = process.proxy_port === undefined ? 'none' : `${process.proxy_address ?? '127.0.0.1'}:${process.proxy_port}`;
    lines.push(row('Proxy Listener', proxy));
  }
  const instances = status.instances[process.name] ?? [];
  if (process.removed && instances.length > 0) {
    lines.push(row('Status', 'Removed from Procfile, still running (will be removed after it exits)'));
  }
  for (const instance of instances) lines.push(instanceLine(instance, paint));
  if (instances.length === 0) {
    const failed = status.runtime_issues.some((i) => i.process_name === process.name && i.type === 'process_failed_permanently');
    const text = process.schedule !== undefined ? 'No scheduled runs in progress.' : failed ? 'Failed to start.' : 'No processes running.';
    lines.push(`${paint('||')} ${text}`);
  }
  return lines;
}

export function renderStatus(status: StatusReply, colors: Colors): string {
  const header = (label: string, value: string): string => `${label.padEnd(LABEL)}${colors.blue(value)}`;
  const lines = [
    header('Procodile Version', status.version),
    header('Application Root', status.root),
    header('Supervisor PID', String(status.supervisor.pid)),
    header('Proxy Enabled', status.supervisor.proxy_enabled ? 'yes' : 'no'),
  ];
  if (status.supervisor.started_at !== null) lines.push(header('Started', fullTime(status.supervisor.started_at)));
  const env = Object.entries(status.environment_variables);
  env.forEach(([key, value], index) => {
    lines.push(`${(index === 0 ? 'Environment Vars' : '').padEnd(LABEL)}${colors.blue(key)} ${value}`);
  });
  if (status.messages.length > 0) {
    lines.push('');
    for (const message of status.messages) lines.push(colors.red(` * ${messageText(message)}`));
  }
  for (const process of status.processes) {
    lines.push('');
    lines.push(...processBlock(status, process, colors));
  }
  return lines.join('\n');
}

export function renderSimpleStatus(status: StatusReply): string {
  if (status.messages.length > 0) return `Issues || ${status.messages.map(messageText).join(', ')}`;
  const prefix = status.runtime_issues.length > 0 ? 'Runtime Issues' : 'OK';
  const counts = Object.entries(status.instances).map(([name, list]) => `${name}[${list.length}]`);
  return `${prefix} || ${counts.join(', ')}`;
}
