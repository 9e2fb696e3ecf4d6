// The human and one-line views of `status`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createColors } from '../../src/logging/colors.js';
import type { StatusReply } from '../../src/control/protocol.js';
import { messageText, renderSimpleStatus, renderStatus, shortTime } from '../../src/cli/output/status-human.js';

const colors = createColors(false);

function reply(overrides: Partial<StatusReply> = {}): StatusReply {
  return {
    version: '1.0.0',
    messages: [],
    root: '/srv/app',
    app_name: 'app',
    supervisor: { started_at: 1_700_000_000, pid: 42, proxy_enabled: false },
    instances: {
      web: [{ description: 'web.1', pid: 100, respawns: 0, status: 'running', started_at: Math.floor(Date.now() / 1000), tag: null, port: 3000, foreground: false }],
      job: [],
    },
    processes: [
      { name: 'web', random_delay: 0, log_color: 'magenta', quantity: 1, max_respawns: 5, respawn_window: 3600, command: 'bin/web', restart_mode: 'term-start', log_path: '/srv/app/web.log', removed: false, stop_timeout: 10 },
      { name: 'job', schedule: '0 3 * * *', random_delay: 5, log_color: 'red', quantity: 1, max_respawns: 5, respawn_window: 3600, command: 'bin/job', restart_mode: 'term-start', log_path: '/srv/app/job.log', removed: false, stop_timeout: 10 },
    ],
    runtime_issues: [],
    environment_variables: { RAILS_ENV: 'production' },
    procfile_path: '/srv/app/Procfile',
    options_path: '/srv/app/Procfile.options',
    local_options_path: '/srv/app/Procfile.local',
    sock_path: '/srv/app/pids/procodile.sock',
    supervisor_pid_path: '/srv/app/pids/procodile.pid',
    pid_root: '/srv/app/pids',
    loaded_at: 1_700_000_000,
    ...overrides,
  };
}

describe('status output', () => {
  it('renders the header, each process and each instance', () => {
    const text = renderStatus(reply(), colors);
    assert.match(text, /^Procodile Version {3}1\.0\.0$/m);
    assert.match(text, /^Application Root {4}\/srv\/app$/m);
    assert.match(text, /^Environment Vars {4}RAILS_ENV production$/m);
    assert.match(text, /^\|\| web$/m);
    assert.match(text, /^\|\| Quantity {12}1$/m);
    assert.match(text, /^\|\| Respawning {10}5 every 3600 seconds$/m);
    assert.match(text, /^\|\| => web\.1 {13}Running {6}\d\d:\d\d {8}pid:100 {6}respawns:0 {6}port:3000 {5}tag:-$/m);
    assert.match(text, /^\|\| Schedule {12}0 3 \* \* \*$/m);
    assert.match(text, /^\|\| Random Delay {8}up to 5 seconds$/m);
    assert.match(text, /^\|\| No scheduled runs in progress\.$/m);
  });

  it('states the restart policy, with backoff only where it can apply', () => {
    const policyOf = (fields: { restart?: 'always' | 'on-failure' | 'never'; min_uptime?: number; max_backoff?: number }): string => {
      const base = reply();
      const processes = base.processes.map((p) => (p.name === 'web' ? { ...p, ...fields } : p));
      return /^\|\| Restart policy +(.*)$/m.exec(renderStatus({ ...base, processes }, colors))?.[1] ?? '';
    };
    assert.equal(policyOf({ restart: 'on-failure', min_uptime: 5, max_backoff: 60 }), 'on-failure, backoff when up less than 5s (at most 60s)');
    assert.equal(policyOf({ restart: 'never', min_uptime: 5, max_backoff: 60 }), 'never');
    assert.equal(policyOf({ restart: 'always', min_uptime: 0, max_backoff: 60 }), 'always, no backoff');
  });

  it('words every message', () => {
    assert.equal(messageText({ type: 'incorrect_quantity', process: 'web', current: 0, desired: 2 }), 'web has 0 instances (should have 2)');
    assert.equal(messageText({ type: 'not_running', instance: 'web.1', status: 'Failed' }), 'web.1 is not running (Failed)');
    assert.match(messageText({ type: 'removed_but_running', process: 'old' }), /procodile stop -p old/);
  });

  it('summarises in one line for monitors', () => {
    assert.equal(renderSimpleStatus(reply()), 'OK || web[1], job[0]');
    const issues = reply({ runtime_issues: [{ key: 'k', type: 'process_failed_permanently', process_name: 'web', message: 'm' }] });
    assert.equal(renderSimpleStatus(issues), 'Runtime Issues || web[1], job[0]');
    const messages = reply({ messages: [{ type: 'incorrect_quantity', process: 'web', current: 0, desired: 1 }, { type: 'incorrect_quantity', process: 'api', current: 0, desired: 1 }] });
    assert.equal(renderSimpleStatus(messages), 'Issues || web has 0 instances (should have 1), api has 0 instances (should have 1)');
  });

  it('shows recent times as HH:MM and older ones as a date', () => {
    const now = new Date(2026, 10, 23, 15, 30).getTime();
    assert.equal(shortTime(Math.floor(new Date(2026, 10, 23, 9, 5).getTime() / 1000), now), '09:05');
    assert.equal(shortTime(Math.floor(new Date(2026, 10, 20, 9, 5).getTime() / 1000), now), '2026-11-20');
    assert.equal(shortTime(null, now), '-');
  });
});
