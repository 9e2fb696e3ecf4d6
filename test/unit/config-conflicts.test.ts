// Tests for conflicts between applications sharing one host (D7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findConflicts } from '../../src/config/conflicts.js';
import type { AppConfig, ProcessDefinition } from '../../src/config/types.js';

function proc(name: string, root: string, extra: Partial<ProcessDefinition> = {}): ProcessDefinition {
  return {
    name,
    command: 'x',
    color: 'magenta',
    quantity: 1,
    restartMode: 'term-start',
    maxRespawns: 5,
    respawnWindow: 3600,
    logPath: `${root}/${name}.log`,
    termSignal: 'SIGTERM',
    networkProtocol: 'tcp',
    randomDelay: 0,
    env: {},
    stopTimeout: 10,
    restart: 'always',
    minUptime: 5,
    maxBackoff: 60,
    ...extra,
  };
}

function config(root: string, processes: ProcessDefinition[] = [], extra: Partial<AppConfig> = {}): AppConfig {
  return {
    root,
    procfilePath: `${root}/Procfile`,
    explicitProcfile: false,
    optionsPath: `${root}/Procfile.options`,
    localOptionsPath: `${root}/Procfile.local`,
    appName: 'Procodile',
    pidRoot: `${root}/pids`,
    sockPath: `${root}/pids/procodile.sock`,
    supervisorPidPath: `${root}/pids/procodile.pid`,
    logPath: `${root}/procodile.log`,
    env: {},
    processes,
    loadedAt: 0,
    ...extra,
  };
}

describe('findConflicts', () => {
  it('finds nothing for independent applications', () => {
    const a = config('/srv/a', [proc('web', '/srv/a', { allocatePortFrom: 3000, quantity: 2, proxyPort: 80 })]);
    const b = config('/srv/b', [proc('web', '/srv/b', { allocatePortFrom: 3002, quantity: 2, proxyPort: 81 })]);
    assert.deepEqual(findConflicts([a, b]), []);
    assert.deepEqual(findConflicts([]), []);
  });

  it('reports a shared pid_root', () => {
    const a = config('/srv/a', [], { pidRoot: '/run/app' });
    const b = config('/srv/b', [], { pidRoot: '/run/app' });
    const conflicts = findConflicts([a, b]);
    assert.equal(conflicts.length, 1);
    assert.match(conflicts[0]!, /pid_root \/run\/app is used by both \/srv\/a and \/srv\/b/);
  });

  it('reports a shared supervisor log and a process log shared across applications', () => {
    const shared = { logPath: '/var/log/procodile.log' };
    const a = config('/srv/a', [proc('web', '/srv/a', { logPath: '/var/log/web.log' })], shared);
    const b = config('/srv/b', [proc('api', '/srv/b', { logPath: '/var/log/web.log' })], shared);
    const conflicts = findConflicts([a, b]);
    assert.equal(conflicts.length, 2);
    assert.match(conflicts[0]!, /log file \/var\/log\/procodile\.log is used by both /);
    assert.match(conflicts[0]!, /\/srv\/a \(supervisor log_path\)/);
    assert.match(conflicts[0]!, /and \/srv\/b \(supervisor log_path/);
    assert.match(conflicts[1]!, /log file \/var\/log\/web\.log .*\/srv\/a \(processes\.web output log\)/);
    assert.match(conflicts[1]!, /and \/srv\/b \(processes\.api output log\)/);
  });

  it('allows processes of one application to share a log', () => {
    const logPath = '/srv/a/all.log';
    const a = config('/srv/a', [proc('web', '/srv/a', { logPath }), proc('worker', '/srv/a', { logPath })]);
    assert.deepEqual(findConflicts([a]), []);
  });

  it('reports the same proxy address and port, including a wildcard address', () => {
    const a = config('/srv/a', [proc('web', '/srv/a', { proxyPort: 8080, proxyAddress: '127.0.0.1' })]);
    const b = config('/srv/b', [proc('web', '/srv/b', { proxyPort: 8080, proxyAddress: '127.0.0.1' })]);
    const c = config('/srv/c', [proc('web', '/srv/c', { proxyPort: 8080, proxyAddress: '0.0.0.0' })]);
    const d = config('/srv/d', [proc('web', '/srv/d', { proxyPort: 8080, proxyAddress: '10.0.0.1' })]);
    const conflicts = findConflicts([a, b]);
    assert.equal(conflicts.length, 1);
    assert.match(conflicts[0]!, /proxy 127\.0\.0\.1:8080 \(processes\.web of \/srv\/a\)/);
    assert.match(conflicts[0]!, /and 127\.0\.0\.1:8080 \(processes\.web of \/srv\/b\)/);
    assert.equal(findConflicts([a, c]).length, 1);
    assert.deepEqual(findConflicts([a, d]), []);
  });

  it('reports overlapping allocate_port_from ranges', () => {
    const a = config('/srv/a', [proc('web', '/srv/a', { allocatePortFrom: 3000, quantity: 3 })]);
    const b = config('/srv/b', [proc('api', '/srv/b', { allocatePortFrom: 3002, quantity: 1 })]);
    const conflicts = findConflicts([a, b]);
    assert.equal(conflicts.length, 1);
    assert.match(conflicts[0]!, /allocate_port_from ranges overlap: 3000-3002 \(processes\.web of \/srv\/a\)/);
    assert.match(conflicts[0]!, /and 3002-3002 \(processes\.api of \/srv\/b\)/);
    const adjacent = config('/srv/c', [proc('api', '/srv/c', { allocatePortFrom: 3003, quantity: 5 })]);
    assert.deepEqual(findConflicts([a, adjacent]), []);
  });

  it('ignores ranges that take no port', () => {
    const a = config('/srv/a', [proc('web', '/srv/a', { allocatePortFrom: 3000, quantity: 2 })]);
    const none = config('/srv/b', [proc('web', '/srv/b', { allocatePortFrom: 3000, quantity: 0 })]);
    assert.deepEqual(findConflicts([a, none]), []);
  });

  it('counts the ports a start-term restart holds while it rolls', () => {
    const a = config('/srv/a', [proc('web', '/srv/a', { allocatePortFrom: 3000, quantity: 2, restartMode: 'start-term' })]);
    const next = config('/srv/b', [proc('web', '/srv/b', { allocatePortFrom: 3002 })]);
    assert.match(findConflicts([a, next])[0] ?? '', /3000-3002 \(processes\.web of \/srv\/a\)/);
  });
});
