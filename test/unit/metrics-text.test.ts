// The metrics text on a pretend operating system: instance families with their labels,
// scheduled runs, exits by signal, label escaping, and promtool's approval.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, it } from 'node:test';
import { parseListenAddress } from '../../src/config/listen-address.js';
import { renderMetrics } from '../../src/supervisor/metrics-text.js';
import type { Supervisor } from '../../src/supervisor/supervisor.js';
import { SAMPLE_INTERVAL_MS } from '../../src/supervisor/sampler.js';
import { fakeSupervisor, type FakeSupervisor } from '../helpers/fake-supervisor.js';

let open: FakeSupervisor[] = [];
afterEach(() => {
  for (const h of open) h.close();
  open = [];
});

const metricsOf = (supervisor: Supervisor, appName = supervisor.config.appName): string =>
  renderMetrics({
    appName,
    startedAt: supervisor.startedAt,
    entries: supervisor.table.entries(),
    usage: (i) => supervisor.observation.sampler.usage(i),
    history: (name) => supervisor.scheduler.history(name),
  });

describe('metrics text', () => {
  it('describes instances and scheduled runs, and promtool accepts it', async () => {
    const h = fakeSupervisor([{ name: 'web', quantity: 2 }, { name: 'job', schedule: '* * * * *' }]);
    open.push(h);
    await h.supervisor.start();
    const web1 = h.supervisor.table.get('web')!.instances[0]!;
    h.ops.processes.get(web1.pid!)!.rssBytes = 4096;
    h.ops.processes.get(web1.pid!)!.cpuTicks = 250;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    h.ops.exit(web1.pid!, null, 'SIGKILL');
    await h.clock.advance(0);
    await h.clock.advance(60_000);
    const job = h.supervisor.table.get('job')!.instances[0]!;
    h.clock.setTimeout(() => h.ops.exit(job.pid!, 3), 1500);
    await h.clock.advance(2000);
    const text = metricsOf(h.supervisor);
    assert.match(text, /^procodile_instance_up\{app="app",process="web",instance="web\.1"\} 1$/m, 'respawned');
    assert.match(text, /^procodile_instance_respawns\{app="app",process="web",instance="web\.1"\} 1$/m);
    assert.match(text, /^procodile_instance_last_exit_status\{app="app",process="web",instance="web\.1"\} 137$/m, 'SIGKILL is 128 + 9');
    assert.doesNotMatch(text, /instance="web\.2"\} 137/);
    assert.match(text, /^procodile_scheduled_last_exit_status\{app="app",process="job"\} 3$/m);
    assert.match(text, /^procodile_scheduled_last_run_duration_seconds\{app="app",process="job"\} \d+(\.\d+)?$/m);
    assert.match(text, /^procodile_scheduled_last_run_timestamp_seconds\{app="app",process="job"\} \d+$/m);
    assert.doesNotMatch(text, /instance="job/, 'a scheduled run is not an instance');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.error, undefined, 'promtool must be installed (scripts/install-test-tools.sh)');
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}\n${text}`);
  });

  it('escapes label values', async () => {
    const h = fakeSupervisor([{ name: 'web' }]);
    open.push(h);
    await h.supervisor.start();
    const text = metricsOf(h.supervisor, 'a"b\\c\nd');
    assert.match(text, /^procodile_instance_up\{app="a\\"b\\\\c\\nd",process="web",instance="web\.1"\} 1$/m);
  });

  it('reads metrics_address as people write it, loopback unless told otherwise', () => {
    assert.deepEqual(parseListenAddress('9100'), { host: '127.0.0.1', port: 9100 });
    assert.deepEqual(parseListenAddress(9100), { host: '127.0.0.1', port: 9100 });
    assert.deepEqual(parseListenAddress('0.0.0.0:9100'), { host: '0.0.0.0', port: 9100 });
    assert.deepEqual(parseListenAddress('[::1]:9100'), { host: '::1', port: 9100 });
    assert.equal(parseListenAddress('localhost:99999'), undefined);
    assert.equal(parseListenAddress('[nothost]:80'), undefined);
    assert.equal(parseListenAddress('http://x:80'), undefined);
  });
});
