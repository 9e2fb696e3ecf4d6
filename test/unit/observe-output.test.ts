// What people read: the usage columns of `status`, the `status --all` blocks and the `top` table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceJson, StatusReply } from '../../src/control/protocol.js';
import type { HostStatusJson } from '../../src/cli/host-status.js';
import { renderHostStatus } from '../../src/cli/output/status-all-human.js';
import { formatBytes, formatUptime, usageColumns } from '../../src/cli/output/status-human.js';
import { frameOfHost, renderTop } from '../../src/cli/output/top-view.js';

const plain = new Proxy({}, { get: () => (text: string) => text }) as never;

const instance = (description: string, cpu: number | null, rss: number | null): InstanceJson => ({
  description,
  pid: 100,
  respawns: 2,
  status: 'running',
  started_at: 0,
  tag: null,
  port: null,
  foreground: false,
  cpu_percent: cpu,
  rss_bytes: rss,
  uptime: 4000,
});

const reply = (instances: InstanceJson[]): StatusReply =>
  ({ supervisor: { pid: 42, started_at: 0, proxy_enabled: false }, instances: { web: instances }, runtime_issues: [], messages: [] }) as unknown as StatusReply;

describe('usage in status', () => {
  it('formats CPU, memory and uptime, and shows nothing before a sample', () => {
    assert.equal(formatUptime(40), '40s');
    assert.equal(formatUptime(4000), '1h6m');
    assert.equal(formatUptime(200_000), '2d7h');
    assert.equal(formatBytes(1536 * 1024), '1.5M');
    assert.equal(usageColumns(instance('web.1', 12.5, 1536 * 1024)), '   cpu:12.5%     mem:1.5M       up:1h6m');
    assert.equal(usageColumns(instance('web.1', null, null)), '   cpu:-         mem:-          up:1h6m');
    assert.equal(usageColumns({ ...instance('web.1', 1, 1), uptime: null }), '');
  });
});

describe('status --all and top', () => {
  const host: HostStatusJson = {
    config_path: '/etc/procodile',
    apps: [
      { name: 'shop', root: '/srv/shop', supervisor: 'running', config_error: null, error: null, status: reply([instance('web.1', 5, 300 * 1024 * 1024), instance('web.2', 50, 10 * 1024 * 1024)]) },
      { name: 'blog', root: '/srv/blog', supervisor: 'not_running', config_error: 'Unknown key quantiy in /srv/blog/Procfile.options', error: null, status: null },
    ],
  };

  it('gives every application its supervisor state, and says which configuration is broken', () => {
    const text = renderHostStatus(host, plain);
    assert.match(text, /^shop  \/srv\/shop\n   Supervisor +running \(PID 42\), 2\/2 instances running, ok$/m);
    assert.match(text, /^   web\.2 +Running +pid:100 +cpu:50\.0% +mem:10\.0M +up:1h6m +respawns:2$/m);
    assert.match(text, /^blog  \/srv\/blog\n   Supervisor +not running\n   Config error +Unknown key quantiy/m);
  });

  it('sorts top by CPU or by memory, and lists the applications it cannot show', () => {
    const size = { columns: 120, rows: 40 };
    const rows = (sort: 'cpu' | 'memory'): string[] =>
      renderTop(frameOfHost(host), sort, size, new Date()).flatMap((line) => /^shop +(web\.\d)/.exec(line)?.[1] ?? []);
    assert.deepEqual(rows('cpu'), ['web.2', 'web.1']);
    assert.deepEqual(rows('memory'), ['web.1', 'web.2']);
    const lines = renderTop(frameOfHost(host), 'cpu', { columns: 30, rows: 3 }, new Date());
    assert.equal(lines.length, 3, 'cut to the terminal height');
    assert.ok(lines.every((l) => l.length <= 30), 'and width');
    assert.ok(renderTop(frameOfHost(host), 'cpu', size, new Date()).includes('blog: supervisor not running'));
  });
});
