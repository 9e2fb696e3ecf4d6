#!/usr/bin/env node
// Large applications: a Procfile of N processes of quantity 1 (`sleep`), started, asked for its
// status, measured and stopped with procodile, once per size. See bench/README.md ("Large
// applications"). Usage: node bench/scale.mjs [N ...]   (default: 1000)
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, isAlive, killTracked, nowMs, procodileCommand, readPidFile, removeDir, round, rssKb, run, shortTmp, sleep } from './lib/util.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CLI = process.env.BENCH_CLI ?? join(HERE, '..', 'dist', 'procodile');
const POLL_MS = 50;
const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);

const log = (msg) => process.stderr.write(`[scale] ${msg}\n`);
const cli = (dir, ...args) => run(...procodileCommand(CLI, [...args, '-r', dir]), { env: cleanEnv(), timeoutMs: 600_000 });

/** Pids named by the instance pid files (p<i>.1.pid) that are alive; `seen` keeps every pid. */
function liveInstances(dir, seen) {
  let files = [];
  try {
    files = readdirSync(join(dir, 'pids')).filter((f) => /^p\d+\.\d+\.pid$/.test(f));
  } catch {
    return 0;
  }
  let live = 0;
  for (const f of files) {
    const pid = readPidFile(join(dir, 'pids', f));
    if (pid === null) continue;
    seen.add(pid);
    if (isAlive(pid)) live += 1;
  }
  return live;
}

async function measure(n) {
  const dir = shortTmp('pcs-');
  const seen = new Set();
  let supervisor = null;
  let writer = null;
  const result = { instances: n };
  try {
    let procfile = '';
    for (let i = 1; i <= n; i++) procfile += `p${i}: sleep 600\n`;
    writeFileSync(join(dir, 'Procfile'), procfile);

    const t0 = nowMs();
    let allAliveMs;
    const started = cli(dir, 'start');
    let cmd;
    started.then((r) => (cmd = r));
    while (allAliveMs === undefined) {
      if (liveInstances(dir, seen) >= n) allAliveMs = nowMs() - t0;
      else if (cmd !== undefined && cmd.code !== 0) throw new Error(`start exited ${cmd.code}: ${cmd.stderr.slice(0, 500)}`);
      else if (nowMs() - t0 > 600_000) throw new Error('not all instances alive after 10 minutes');
      else await sleep(POLL_MS);
    }
    cmd = await started;
    supervisor = readPidFile(join(dir, 'pids', 'procodile.pid'));
    writer = readPidFile(join(dir, 'pids', '.procodile-logs.pid'));
    result.start_all_alive_ms = round(allAliveMs, 0);
    result.start_cmd_ms = round(cmd.ms, 0);
    result.start_gave_up = /has not answered yet/.test(cmd.stderr);

    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const s = await cli(dir, 'status', '--json');
      if (s.code !== 0) throw new Error(`status exited ${s.code}: ${s.stderr.slice(0, 500)}`);
      statuses.push(round(s.ms, 0));
      result.status_bytes = s.stdout.length;
    }
    result.status_ms = statuses;
    await sleep(1500);
    result.supervisor_rss_kb = supervisor === null ? null : rssKb(supervisor);
    result.log_writer_rss_kb = writer === null ? null : rssKb(writer);

    const stop = await cli(dir, 'stop', '-s', '--wait');
    result.stop_ms = round(stop.ms, 0);
    result.stop_code = stop.code;
    result.stop_error = stop.code === 0 ? null : stop.stderr.trim().slice(0, 300);
    const left = [...seen, supervisor, writer].filter((p) => p !== null && isAlive(p));
    result.left_alive_after_stop = left.length;
  } finally {
    // Whatever went wrong, nothing of the app is left: the supervisor stops it, and only pids
    // this run saw in its own pid files are killed if they are still there.
    if (supervisor !== null && isAlive(supervisor)) await cli(dir, 'stop', '-s', '--wait').catch(() => undefined);
    if (readdirSafe(join(dir, 'pids')).length > 0) await cli(dir, 'kill').catch(() => undefined);
    liveInstances(dir, seen);
    killTracked(seen, ['sleep']);
    if (supervisor !== null) killTracked([supervisor], ['node', 'procodile']);
    if (writer !== null) killTracked([writer], ['node']);
    removeDir(dir);
  }
  return result;
}

function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

for (const n of sizes.length > 0 ? sizes : [1000]) {
  log(`${n} instances...`);
  const r = await measure(n);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
