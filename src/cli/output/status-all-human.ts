// The human `status --all` view: one block per application of the global configuration, its
// supervisor's state first, then a line per instance with what it uses.
import type { InstanceJson } from '../../control/protocol.js';
import type { AppStatusJson, HostStatusJson } from '../host-status.js';
import type { Colors } from '../terminal.js';
import { formatBytes, formatUptime } from './status-human.js';

function instanceRow(instance: InstanceJson): string {
  const status = instance.status.charAt(0).toUpperCase() + instance.status.slice(1);
  const { cpu_percent: cpuPercent, rss_bytes: rss, uptime } = instance;
  const cpu = cpuPercent === undefined || cpuPercent === null ? '-' : `${cpuPercent.toFixed(1)}%`;
  const mem = rss === undefined || rss === null ? '-' : formatBytes(rss);
  const up = uptime === undefined || uptime === null ? '-' : formatUptime(uptime);
  return (
    `   ${instance.description.padEnd(16)} ${status.padEnd(9)} pid:${String(instance.pid ?? '-').padEnd(8)}` +
    ` cpu:${cpu.padEnd(7)} mem:${mem.padEnd(8)} up:${up.padEnd(7)} respawns:${instance.respawns}`
  );
}

function supervisorLine(app: AppStatusJson, colors: Colors): string {
  switch (app.supervisor) {
    case 'running': {
      const status = app.status;
      const all = Object.values(status?.instances ?? {}).flat();
      const running = all.filter((i) => i.status === 'running').length;
      const issues = (status?.runtime_issues.length ?? 0) + (status?.messages.length ?? 0);
      const health = issues === 0 ? colors.green('ok') : colors.red(`${issues} issue(s)`);
      return `${colors.green('running')} (PID ${status?.supervisor.pid ?? '?'}), ${running}/${all.length} instances running, ${health}`;
    }
    case 'not_running':
      return colors.yellow('not running');
    case 'unreachable':
      return colors.red(`not answering: ${app.error ?? 'unknown error'}`);
  }
}

export function renderHostStatus(host: HostStatusJson, colors: Colors): string {
  const lines: string[] = [];
  for (const app of host.apps) {
    if (lines.length > 0) lines.push('');
    lines.push(`${colors.blue(app.name)}  ${app.root}`);
    lines.push(`   Supervisor       ${supervisorLine(app, colors)}`);
    if (app.config_error !== null) {
      const first = app.config_error.split('\n')[0] ?? '';
      lines.push(`   ${colors.red('Config error')}     ${first}`);
    }
    for (const instance of Object.values(app.status?.instances ?? {}).flat()) lines.push(instanceRow(instance));
    for (const issue of app.status?.runtime_issues ?? []) lines.push(colors.red(`   * ${issue.message.split('\n')[0] ?? ''}`));
  }
  return lines.join('\n');
}
