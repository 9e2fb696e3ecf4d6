// The sampler on a pretend operating system and a virtual clock: CPU % of a whole process
// group over the interval (children that come and go included), RSS summed over the group,
// and max_memory's rule of three samples in a row.
import { supervisorView } from '../../src/control/status-reply.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMemorySize } from '../../src/config/memory-size.js';
import type { Instance } from '../../src/supervisor/instance.js';
import { OVER_LIMIT_SAMPLES, SAMPLE_INTERVAL_MS } from '../../src/supervisor/sampler.js';
import { fakeSupervisors, type FakeSupervisor } from '../helpers/fake-supervisor.js';

const harness = fakeSupervisors();

const MB = 1024 * 1024;
const only = (h: FakeSupervisor, name = 'web'): Instance => {
  const all = h.supervisor.table.get(name)?.instances ?? [];
  assert.equal(all.length, 1, `one instance of ${name}`);
  return all[0]!;
};
const main = (h: FakeSupervisor, i: Instance) => h.ops.processes.get(i.pid!)!;

describe('sampler: CPU and memory of a process group', () => {
  it('reports CPU % over the interval and RSS of the whole group, not before two samples', async () => {
    const h = harness([{ name: 'web' }]);
    await h.supervisor.start();
    const web = only(h);
    assert.equal(supervisorView(h.supervisor, web).cpu_percent, null, 'one sample of this run (at start): no interval yet');
    main(h, web).rssBytes = 10 * MB;
    const outsider = h.ops.addProcess({ ppid: web.pid! });
    outsider.rssBytes = 100 * MB;
    // 5 s later: 250 ticks (2.5 s) by the main process, 125 (1.25 s) by a worker started since: 75 %.
    main(h, web).cpuTicks += 250;
    const worker = h.ops.addProcess({ ppid: web.pid!, pgid: web.pgid! });
    worker.rssBytes = 5 * MB;
    worker.cpuTicks = 125;
    outsider.cpuTicks += 500;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    let json = supervisorView(h.supervisor, web);
    assert.equal(json.rss_bytes, 15 * MB, 'the main process and its worker, not a process of another group');
    assert.equal(json.cpu_percent, 75);
    main(h, web).cpuTicks += 50;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    json = supervisorView(h.supervisor, web);
    assert.equal(json.cpu_percent, 10);
    assert.equal(json.uptime, 10);
  });

  it('counts a child started since the last sample in full and forgets one that exited', async () => {
    const h = harness([{ name: 'web' }]);
    await h.supervisor.start();
    const web = only(h);
    const leaving = h.ops.addProcess({ ppid: web.pid!, pgid: web.pgid! });
    leaving.cpuTicks = 400;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    assert.equal(supervisorView(h.supervisor, web).cpu_percent, 0, 'the leaving child used nothing during the interval');
    h.ops.exit(leaving.pid, 0);
    const born = h.ops.addProcess({ ppid: web.pid!, pgid: web.pgid! });
    born.cpuTicks = 100;
    born.rssBytes = 2 * MB;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    // 100 ticks (1 s) in 5 s: 20 %; the exited child's 400 earlier ticks are not counted again.
    assert.equal(supervisorView(h.supervisor, web).cpu_percent, 20);
    assert.equal(supervisorView(h.supervisor, web).rss_bytes, 2 * MB);
    assert.equal(h.supervisor.observation.sampler.usage(web)?.cpuSeconds, 5, '4 s seen at the start, 1 s since');
  });

  it('keeps counting a main process that left its group, with what is still in the group', async () => {
    const h = harness([{ name: 'web' }]);
    await h.supervisor.start();
    const web = only(h);
    h.ops.addProcess({ ppid: web.pid!, pgid: web.pgid! }).rssBytes = 3 * MB;
    main(h, web).rssBytes = 4 * MB;
    main(h, web).pgid = h.ops.addProcess({}).pgid;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    assert.equal(supervisorView(h.supervisor, web).rss_bytes, 7 * MB);
  });

  it('does not count a process that joined the group already old as new work', async () => {
    const h = harness([{ name: 'web' }]);
    await h.supervisor.start();
    const web = only(h);
    const old = h.ops.addProcess({});
    old.cpuTicks = 9000;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    old.pgid = web.pgid!;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    assert.equal(supervisorView(h.supervisor, web).cpu_percent, 0);
  });

  it('starts over after a respawn and shows nothing for an instance that is not running', async () => {
    const h = harness([{ name: 'web' }]);
    await h.supervisor.start();
    const web = only(h);
    main(h, web).rssBytes = MB;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    h.ops.exit(web.pid!, 1);
    await h.clock.advance(0);
    assert.equal(web.state.name, 'running', 'respawned');
    assert.equal(supervisorView(h.supervisor, web).rss_bytes, null, 'the new run has not been sampled');
    main(h, web).cpuTicks = 50;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    assert.equal(supervisorView(h.supervisor, web).cpu_percent, null, 'the first sample of the new run is its baseline');
    await h.supervisor.stopAll();
    assert.equal(supervisorView(h.supervisor, web).uptime, null);
  });
});

describe('max_memory', () => {
  it('replaces an instance only after three samples in a row above the limit, and says so', async () => {
    const h = harness([{ name: 'web', maxMemory: 100 * MB }]);
    await h.supervisor.start();
    const web = only(h);
    const firstPid = web.pid!;
    // Above, above, back below: the count starts over.
    main(h, web).rssBytes = 150 * MB;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    main(h, web).rssBytes = 50 * MB;
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    main(h, web).rssBytes = 150 * MB;
    await h.clock.advance(SAMPLE_INTERVAL_MS * (OVER_LIMIT_SAMPLES - 1));
    assert.equal(web.pid, firstPid, 'two samples above the limit are not enough');
    assert.equal(h.supervisor.issues.list().length, 0);
    await h.clock.advance(SAMPLE_INTERVAL_MS);
    await h.clock.advance(0);
    assert.ok(h.ops.events.includes(`-${firstPid} SIGTERM`), 'the group was asked to stop');
    const now = only(h);
    assert.equal(now.state.name, 'running');
    assert.notEqual(now.pid, firstPid, 'a new instance runs in its place');
    assert.equal(now.description, 'web.2');
    assert.ok(h.lines.some((l) => /^web\.1: web\.1 used 150M, above max_memory \(100M\), for 3 samples in a row: restarting it$/.test(l)), h.lines.join('\n'));
    const [issue] = h.supervisor.issues.list();
    assert.equal(issue?.type, 'memory_limit_exceeded');
    assert.match(issue?.message ?? '', /web\.1 used 150M, above max_memory \(100M\).*restart -p web/);
    await h.supervisor.restart({ processNames: ['web'] }, (i) => i.description);
    assert.equal(h.supervisor.issues.list().length, 0, 'a restart by the user clears the issue');
  });

  it('sums the group: workers above the limit together count', async () => {
    const h = harness([{ name: 'web', maxMemory: 100 * MB }]);
    await h.supervisor.start();
    const web = only(h);
    main(h, web).rssBytes = 60 * MB;
    h.ops.addProcess({ ppid: web.pid!, pgid: web.pgid! }).rssBytes = 60 * MB;
    await h.clock.advance(SAMPLE_INTERVAL_MS * OVER_LIMIT_SAMPLES);
    await h.clock.advance(0);
    assert.equal(only(h).description, 'web.2');
  });

  it('reads sizes as people write them', () => {
    assert.equal(parseMemorySize('512M'), 512 * MB);
    assert.equal(parseMemorySize('2G'), 2048 * MB);
    assert.equal(parseMemorySize('1.5g'), 1536 * MB);
    assert.equal(parseMemorySize('300KB'), 300 * 1024);
    assert.equal(parseMemorySize(4096), 4096);
    assert.equal(parseMemorySize('lots'), undefined);
    assert.equal(parseMemorySize('0M'), undefined);
    assert.equal(parseMemorySize('-1G'), undefined);
  });
});
