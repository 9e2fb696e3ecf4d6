// A process that exits as soon as it starts, respawned without limit: the supervisor must keep
// answering its socket and its signals, and must not grow, however fast the respawns come.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { sendRequest, type SupervisorTarget } from '../../src/control/client.js';
import { appsCleanedAfterEach, readPid, waitFor } from '../helpers/app.js';
import { cli, startDaemon, waitForDeath } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

const CRASH_LOOP = {
  Procfile: 'crash: /bin/true\n',
  // min_uptime 0: no run counts as a quick failure, so nothing is backed off and the
  // supervisor is tested at the highest respawn rate it can reach.
  'Procfile.options': 'processes:\n  crash:\n    quantity: 4\n    max_respawns: 100000000\n    respawn_window: 100000\n    min_uptime: 0\n',
};
/** Far above a turn of a healthy event loop, far below "never". */
const STATUS_DEADLINE_MS = 2000;
const WARM_UP_RESPAWNS = 1000;
const SOAK_RESPAWNS = 10_000;
/** On a loaded 2-core machine the loop runs at roughly 130 to 450 respawns a second. */
const SOAK_LIMIT_MS = 100_000;

function rssKb(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(line, `no VmRSS for ${pid}`);
  return Number(line[1]);
}

/** Asks for status over the socket; fails the test if no answer comes within the deadline. */
async function respawnsSoFar(target: SupervisorTarget): Promise<{ respawns: number; ms: number }> {
  const started = performance.now();
  const reply = await sendRequest(target, 'status', {}, { deadlineMs: STATUS_DEADLINE_MS });
  const ms = performance.now() - started;
  const respawns = Object.values(reply.instances)
    .flat()
    .reduce((sum, i) => sum + i.respawns, 0);
  return { respawns, ms };
}

interface Sample {
  respawns: number;
  rssKb: number;
}

/** Polls status until `respawns`, sampling the supervisor's RSS after every answer. */
async function runUntil(target: SupervisorTarget, pid: number, respawns: number, limitAt: number, samples: Sample[]): Promise<number> {
  let slowestMs = 0;
  for (;;) {
    const now = await respawnsSoFar(target);
    slowestMs = Math.max(slowestMs, now.ms);
    samples.push({ respawns: now.respawns, rssKb: rssKb(pid) });
    if (now.respawns >= respawns) return slowestMs;
    assert.ok(Date.now() < limitAt, `only ${now.respawns} respawns before the time limit`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const peakRss = (samples: Sample[]): number => Math.max(...samples.map((s) => s.rssKb));

describe('a crash loop', () => {
  it('keeps the supervisor answering and its memory flat over 10,000 respawns, and stop still works', async (t) => {
    const a = app(CRASH_LOOP);
    await startDaemon(a);
    const supervisorPid = readPid(a.path('pids/procodile.pid'));
    assert.ok(supervisorPid !== undefined);
    const target: SupervisorTarget = {
      root: a.root,
      sockPath: a.path('pids/procodile.sock'),
      supervisorPidPath: a.path('pids/procodile.pid'),
      processes: [],
    };
    const began = Date.now();
    const limitAt = began + SOAK_LIMIT_MS;

    const samples: Sample[] = [];
    const slowestMs = Math.max(
      await runUntil(target, supervisorPid, WARM_UP_RESPAWNS, limitAt, samples),
      await runUntil(target, supervisorPid, SOAK_RESPAWNS, limitAt, samples),
    );
    const total = samples.at(-1)?.respawns ?? 0;
    // The heap grows and shrinks by some 15 % between major collections, so single samples
    // would compare a trough with a peak: the peaks of the two halves after warm-up are
    // compared instead (memory kept per respawn raises the second; 1 KB each would be 9 MB).
    const middle = (WARM_UP_RESPAWNS + SOAK_RESPAWNS) / 2;
    const firstPeak = peakRss(samples.filter((s) => s.respawns >= WARM_UP_RESPAWNS && s.respawns < middle));
    const secondPeak = peakRss(samples.filter((s) => s.respawns >= middle));
    const warmRss = samples.find((s) => s.respawns >= WARM_UP_RESPAWNS)?.rssKb;
    t.diagnostic(
      `${total} respawns in ${Date.now() - began} ms (${Math.round((total * 1000) / (Date.now() - began))}/s); RSS ${warmRss} kB ` +
        `after warm-up, ${samples.at(-1)?.rssKb} kB at the end, peaks ${firstPeak} and ${secondPeak} kB; ` +
        `${samples.length} status answers, slowest ${Math.round(slowestMs)} ms`,
    );
    assert.ok(secondPeak <= firstPeak * 1.1, `RSS peaked at ${firstPeak} kB, then at ${secondPeak} kB`);
    // The log is summed up, not a few lines per respawn.
    const logLines = a.read('procodile.log').split('\n').length;
    assert.ok(logLines < 1000, `procodile.log has ${logLines} lines after ${total} respawns`);
    assert.match(a.read('procodile.log'), /crash\.\d +\| Respawning over and over: further respawns in the next \d+s are counted/);

    const stopBegan = Date.now();
    const stop = await cli(a, ['stop', '-s', '--wait']);
    assert.equal(stop.code, 0, `stop failed:\n${stop.stdout}\n${stop.stderr}`);
    assert.ok(Date.now() - stopBegan < 5000, `stop -s --wait took ${Date.now() - stopBegan} ms`);
    await waitForDeath(supervisorPid, 1000);
    // Every respawn is in the log, one by one or counted, even those of the window the stop ended.
    const log = a.read('procodile.log');
    const counted = [...log.matchAll(/Respawned (\d+) more time\(s\)/g)].reduce((n, m) => n + Number(m[1]), 0);
    const full = log.split(/Process has stopped \([^)]*\), Respawning\.\.\./).length - 1;
    assert.ok(counted + full >= total, `the log accounts for ${counted} + ${full} of ${total} respawns`);
  });

  it('ends promptly on SIGTERM while the loop runs', async () => {
    // Each run leaves a line in crash.log: the loop's progress, seen without asking the supervisor.
    const a = app({ ...CRASH_LOOP, Procfile: 'crash: echo ran\n' });
    await startDaemon(a);
    const supervisorPid = readPid(a.path('pids/procodile.pid'));
    assert.ok(supervisorPid !== undefined);
    // The supervisor used to go deaf only once the loop was in full swing.
    await waitFor(() => existsSync(a.path('crash.log')) && a.read('crash.log').length >= 1000 * 'ran\n'.length, 60_000, '1,000 runs');
    const writerPid = readPid(a.path('pids/.procodile-logs.pid'));
    process.kill(supervisorPid, 'SIGTERM');
    await waitForDeath(supervisorPid, 5000);
    // The log writer leaves by itself once the supervisor's output and every instance's is closed.
    if (writerPid !== undefined) await waitForDeath(writerPid, 5000);
    assert.match(a.read('procodile.log'), /Supervisor received TERM signal/);
    assert.match(a.read('procodile.log'), /Stopped Procodile supervisor/);
  });
});
