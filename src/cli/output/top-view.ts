// The `top` screen as lines of text: one row per instance of one or every application,
// sorted by CPU or memory, cut to the terminal's size. Pure, so it is tested without a terminal.
import type { InstanceJson, StatusReply } from '../../control/protocol.js';
import type { HostStatusJson } from '../host-status.js';
import { formatBytes, formatUptime } from './status-human.js';

export type TopSort = 'cpu' | 'memory';

export interface TopRow {
  app: string;
  instance: InstanceJson;
}

export interface TopFrame {
  title: string;
  rows: TopRow[];
  /** Applications whose supervisor is not there, and why. */
  notes: string[];
}

export function frameOfStatus(status: StatusReply): TopFrame {
  const rows = Object.values(status.instances).flat().map((instance) => ({ app: status.app_name, instance }));
  return { title: status.app_name, rows, notes: [] };
}

export function frameOfHost(host: HostStatusJson): TopFrame {
  const rows: TopRow[] = [];
  const notes: string[] = [];
  for (const app of host.apps) {
    if (app.status !== null) {
      for (const instance of Object.values(app.status.instances).flat()) rows.push({ app: app.name, instance });
    } else {
      notes.push(`${app.name}: ${app.supervisor === 'unreachable' ? `not answering (${app.error ?? '?'})` : 'supervisor not running'}`);
    }
    if (app.config_error !== null) notes.push(`${app.name}: config error: ${app.config_error.split('\n')[0] ?? ''}`);
  }
  return { title: `${host.apps.length} applications`, rows, notes };
}

const sortValue = (row: TopRow, sort: TopSort): number =>
  (sort === 'cpu' ? row.instance.cpu_percent : row.instance.rss_bytes) ?? -1;

function cell(text: string, width: number, right = false): string {
  const cut = text.length > width ? text.slice(0, width) : text;
  return right ? cut.padStart(width) : cut.padEnd(width);
}

export function renderTop(frame: TopFrame, sort: TopSort, size: { columns: number; rows: number }, now: Date): string[] {
  const clock = now.toTimeString().slice(0, 8);
  const header = `procodile top: ${frame.title}, sorted by ${sort === 'cpu' ? 'CPU' : 'memory'}   (c: CPU, m: memory, q: quit)`;
  const appWidth = Math.max(3, Math.min(20, ...frame.rows.map((r) => r.app.length)));
  const heading =
    `${cell('APP', appWidth)}  ${cell('INSTANCE', 18)} ${cell('STATUS', 9)} ${cell('PID', 8, true)} ${cell('CPU%', 7, true)}` +
    ` ${cell('MEM', 9, true)} ${cell('UPTIME', 8, true)} ${cell('RESPAWNS', 8, true)}`;
  const sorted = [...frame.rows].sort(
    (a, b) => sortValue(b, sort) - sortValue(a, sort) || a.app.localeCompare(b.app) || a.instance.description.localeCompare(b.instance.description),
  );
  const lines = [`${header}${clock.padStart(Math.max(1, size.columns - header.length))}`, '', heading];
  for (const { app, instance } of sorted) {
    const { cpu_percent: cpu, rss_bytes: rss, uptime } = instance;
    lines.push(
      `${cell(app, appWidth)}  ${cell(instance.description, 18)} ${cell(instance.status, 9)} ${cell(String(instance.pid ?? '-'), 8, true)}` +
        ` ${cell(cpu === undefined || cpu === null ? '-' : cpu.toFixed(1), 7, true)}` +
        ` ${cell(rss === undefined || rss === null ? '-' : formatBytes(rss), 9, true)}` +
        ` ${cell(uptime === undefined || uptime === null ? '-' : formatUptime(uptime), 8, true)} ${cell(String(instance.respawns), 8, true)}`,
    );
  }
  if (frame.rows.length === 0) lines.push('(no instances)');
  if (frame.notes.length > 0) lines.push('', ...frame.notes);
  return lines.slice(0, Math.max(1, size.rows)).map((line) => (line.length > size.columns ? line.slice(0, size.columns) : line));
}
