#!/usr/bin/env node
// Large applications: N processes of one instance each (`sleep 600`) started, asked for their
// status, measured and stopped, with procodile (a Procfile of N processes) and with PM2 (an
// ecosystem file of N apps), side by side, for each size. See bench/README.md ("Large
// applications"). Usage: node bench/scale.mjs [N ...]   (default: 1000)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pm2Peer } from './lib/peers.mjs';
import { cleanUpOnSignals, cleanEnv, envInt, isAlive, killTracked, nowMs, onCleanup, procodileCommand, readPidFile, removeDir, round, rssKb, run, shortTmp, sleep, stats } from './lib/util.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CLI = process.env.BENCH_CLI ?? join(HERE, '..', 'dist', 'procodile');
const PEERS_DIR = process.env.BENCH_PEERS_DIR ?? '/tmp/pc-bench-peers';
const PEERS = (process.env.BENCH_PEERS ?? 'procodile,pm2').split(',');
const RUNS = Math.max(1, envInt('BENCH_SCALE_RUNS', 1));
// Each phase (start, one status call, stop) of each tool gets this long; what has not finished
// by then is recorded as it stands, and the app is torn down.
const BOUND_MS = envInt('BENCH_SCALE_BOUND_S', 300) * 1000;
const POLL_MS = 50;
const SECONDS = 600;
const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);

const log = (msg) => process.stderr.write(`[scale] ${msg}\n`);
const cli = (dir, ...args) => run(...procodileCommand(CLI, [...args, '-r', dir]), { env: cleanEnv(), timeoutMs: BOUND_MS });
const tail = (text) => text.trim().slice(-400);

/** Three timed status commands into `result`: their times, the reply's size, the first failure. */
async function timeStatus(result, once) {
  result.status_ms = [];
  for (let i = 0; i < 3; i++) {
    const s = await once();
    result.status_ms.push(round(s.ms, 0));
    result.status_bytes = s.stdout.length;
    if (s.code !== 0) {
      result.status_error = `exit ${s.code ?? s.signal}: ${tail(s.stderr)}`;
      break;
    }
  }
}

const interrupted = cleanUpOnSignals(log);

/**
 * Polls `count` until it reaches `target`, `stop` says to give up, or the bound passes. Reading
 * ten thousand pids from /proc takes a good part of a core's time, so after each poll the
 * observer waits three times as long as the poll took (at least POLL_MS): it never takes more
 * than a quarter of a core from the tool it measures, whichever tool that is.
 */
async function pollUntil(t0, target, count, stop = () => false) {
  let live = 0;
  for (;;) {
    const p0 = nowMs();
    live = count();
    if (live >= target) return { ms: nowMs() - t0, live };
    if (stop() || nowMs() - t0 > BOUND_MS) return { ms: null, live };
    await sleep(Math.max(POLL_MS, 3 * (nowMs() - p0)));
  }
}

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

const countAlive = (pids) => [...pids].filter((p) => p !== null && isAlive(p)).length;

async function measureProcodile(n) {
  const dir = shortTmp('pcs-');
  const seen = new Set();
  let supervisor = null;
  let writer = null;
  const result = { tool: 'procodile', instances: n };
  const teardown = async () => {
    // Whatever went wrong, nothing of the app is left: the supervisor stops it, and only pids
    // this run saw in its own pid files are killed if they are still there.
    if (supervisor !== null && isAlive(supervisor)) await cli(dir, 'stop', '-s', '--wait').catch(() => undefined);
    if (readdirSafe(join(dir, 'pids')).length > 0) await cli(dir, 'kill').catch(() => undefined);
    liveInstances(dir, seen);
    killTracked(seen, ['sleep']);
    if (supervisor !== null) killTracked([supervisor], ['node', 'procodile']);
    if (writer !== null) killTracked([writer], ['node']);
    removeDir(dir);
  };
  const off = onCleanup(teardown);
  try {
    let procfile = '';
    for (let i = 1; i <= n; i++) procfile += `p${i}: sleep ${SECONDS}\n`;
    writeFileSync(join(dir, 'Procfile'), procfile);

    const t0 = nowMs();
    const started = cli(dir, 'start');
    let cmd;
    started.then((r) => (cmd = r));
    const up = await pollUntil(t0, n, () => liveInstances(dir, seen), () => cmd !== undefined && cmd.code !== 0);
    cmd = await started;
    supervisor = readPidFile(join(dir, 'pids', 'procodile.pid'));
    writer = readPidFile(join(dir, 'pids', '.procodile-logs.pid'));
    result.start_all_alive_ms = round(up.ms, 0);
    result.start_cmd_ms = round(cmd.ms, 0);
    result.start_code = cmd.code;
    result.start_gave_up = /has not answered yet/.test(cmd.stderr);
    if (up.ms === null) {
      result.alive_at_bound = up.live;
      result.start_output = tail(cmd.stderr);
      return result;
    }

    await timeStatus(result, () => cli(dir, 'status', '--json'));
    await sleep(1500);
    result.supervisor_rss_kb = supervisor === null ? null : rssKb(supervisor);
    result.log_writer_rss_kb = writer === null ? null : rssKb(writer);

    // Until the command returned and every process it ran (and the supervisor) has gone.
    const everything = [...seen, supervisor, writer];
    const s0 = nowMs();
    const stop = await cli(dir, 'stop', '-s', '--wait');
    const gone = await pollUntil(s0, 0, () => -countAlive(everything));
    result.stop_ms = round(gone.ms, 0);
    result.stop_cmd_ms = round(stop.ms, 0);
    result.stop_code = stop.code;
    result.stop_error = stop.code === 0 ? null : tail(stop.stderr);
    result.left_alive_after_stop = countAlive(everything);
    return result;
  } catch (e) {
    result.error = e.message;
    return result;
  } finally {
    off();
    await teardown();
  }
}

function readFileSafe(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * PM2: one ecosystem file of N apps (`sleep 600`, one instance each, fork mode, autorestart),
 * driven as the main bench drives it (lib/peers.mjs): its own PM2_HOME in the temp dir, the
 * instances counted as live `sleep` children of its daemon in /proc.
 */
async function measurePm2(peer, n) {
  const app = peer.create(n, { separateApps: SECONDS });
  const result = { tool: 'pm2', instances: n };
  const off = onCleanup(() => peer.destroy(app));
  try {
    const [f, a, e] = peer.startCmd(app);
    const t0 = nowMs();
    const started = run(f, a, { env: e, timeoutMs: BOUND_MS });
    let cmd;
    started.then((r) => (cmd = r));
    // A daemon that has died (it wrote its pid file, then went) starts nothing more.
    const daemonGone = () => {
      const pid = peer.supervisorPid(app);
      if (pid !== null ? isAlive(pid) : cmd === undefined) return false;
      result.daemon_gone_ms ??= round(nowMs() - t0, 0);
      return true;
    };
    const up = await pollUntil(t0, n, () => peer.alive(app).length, daemonGone);
    // The start command may still be listing the apps: it is given the rest of its bound.
    cmd = await started;
    const daemon = peer.supervisorPid(app);
    result.start_all_alive_ms = round(up.ms, 0);
    result.start_cmd_ms = round(cmd.ms, 0);
    result.start_code = cmd.code ?? cmd.signal;
    result.daemon_alive = daemon !== null && isAlive(daemon);
    if (up.ms === null) {
      result.alive_at_bound = up.live;
      result.start_output = tail(`${cmd.stdout}\n${cmd.stderr}`);
      // Why a daemon died is in its own log, not in what the command printed.
      result.daemon_errors = [...new Set(readFileSafe(join(app.dir, 'h', 'pm2.log')).match(/PM2 error: .*/g) ?? [])].slice(0, 3);
      if (result.daemon_alive) result.daemon_rss_kb = rssKb(daemon);
      return result;
    }

    await timeStatus(result, () => {
      const [sf, sa, se] = peer.statusCmd(app);
      return run(sf, sa, { env: se, timeoutMs: BOUND_MS });
    });
    await sleep(1500);
    result.daemon_rss_kb = daemon === null ? null : rssKb(daemon);

    // `pm2 kill` stops every app and the daemon: until it returned and all of them have gone.
    peer.alive(app);
    const everything = [...app.everSeen, daemon];
    const [kf, ka, ke] = peer.stopCmd(app);
    const s0 = nowMs();
    const stop = await run(kf, ka, { env: ke, timeoutMs: BOUND_MS });
    const gone = await pollUntil(s0, 0, () => -countAlive(everything));
    result.stop_ms = round(gone.ms, 0);
    result.stop_cmd_ms = round(stop.ms, 0);
    result.stop_code = stop.code ?? stop.signal;
    result.stop_error = stop.code === 0 ? null : tail(stop.stderr);
    result.left_alive_after_stop = countAlive(everything);
    return result;
  } catch (e) {
    result.error = e.message;
    return result;
  } finally {
    off();
    await peer.destroy(app);
  }
}

const pm2 = PEERS.includes('pm2') ? await pm2Peer(PEERS_DIR) : null;
if (pm2 !== null && !pm2.available) log(`pm2 unavailable: ${pm2.reason}`);
const tools = [
  ...(PEERS.includes('procodile') ? [['procodile', measureProcodile]] : []),
  ...(pm2?.available ? [[`pm2 ${pm2.version}`, (n) => measurePm2(pm2, n)]] : []),
];

// Load is part of the result: other work on a small machine moves every figure.
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
const MEDIAN_KEYS = ['start_all_alive_ms', 'start_cmd_ms', 'status_bytes', 'supervisor_rss_kb', 'log_writer_rss_kb', 'daemon_rss_kb', 'stop_ms', 'stop_cmd_ms'];

for (const n of sizes.length > 0 ? sizes : [1000]) {
  const byTool = new Map(tools.map(([name]) => [name, []]));
  // Tools alternate within each round and the first of them alternates between rounds, so
  // background load falls on both alike.
  for (let r = 0; r < RUNS && !interrupted(); r++) {
    const order = r % 2 === 0 ? tools : [...tools].reverse();
    for (const [name, measure] of order) {
      if (interrupted()) break;
      const before = loadavg();
      log(`${name}, ${n} instances, round ${r + 1}/${RUNS} (load ${before})...`);
      const res = { ...(await measure(n)), tool: name, round: r + 1, load_before: before, load_after: loadavg() };
      byTool.get(name).push(res);
      process.stdout.write(`${JSON.stringify(res)}\n`);
    }
  }
  if (RUNS > 1) {
    for (const [name, runs] of byTool) {
      const median = { tool: name, instances: n, runs: runs.length, median: {} };
      for (const key of MEDIAN_KEYS) {
        const s = stats(runs.map((x) => x[key]));
        if (s !== null) median.median[key] = round(s.median, 0);
      }
      const st = stats(runs.flatMap((x) => x.status_ms ?? []));
      if (st !== null) median.median.status_ms = round(st.median, 0);
      process.stdout.write(`${JSON.stringify(median)}\n`);
    }
  }
}
