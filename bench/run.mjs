#!/usr/bin/env node
// procodile benchmark suite: procodile side by side with Ruby Procodile, PM2 and supervisord.
// See bench/README.md for what is measured and the BENCH_* environment variables.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crashLoopRound } from './lib/crash-loop.mjs';
import { pm2Deploy, procodileDeploy } from './lib/deploy.mjs';
import { logRun } from './lib/logs.mjs';
import { buildWithoutSampler, samplerRound, statusAllRound } from './lib/observe.mjs';
import { pm2Peer, procodilePeer, rubyProcodilePeer, supervisordPeer } from './lib/peers.mjs';
import { buildTargets, machine, printReport, ratio } from './lib/report.mjs';
import { printScenarios, scenarioTargets, summariseScenarios } from './lib/scenario-report.mjs';
import { measureCli, measureRespawn, measureRestart, measureRss, measureStart, measureStop } from './lib/scenarios.mjs';
import { cleanUpOnSignals, envInt, nowMs, onCleanup, removeDir, round, runCleanups, stats } from './lib/util.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CLI = process.env.BENCH_CLI ?? join(HERE, '..', 'dist', 'procodile');
const PEERS_DIR = process.env.BENCH_PEERS_DIR ?? '/tmp/pc-bench-peers';
const RUBY_SOURCE = process.env.BENCH_RUBY_PROCODILE ?? join(HERE, '..', '..', 'shared', 'peers', 'procodile-ruby-1.0.27.tar.gz');
const cfg = {
  runs: envInt('BENCH_RUNS', 5),
  runs_100: envInt('BENCH_RUNS_100', 5),
  status_samples: envInt('BENCH_STATUS_SAMPLES', 10),
  respawn_samples: envInt('BENCH_RESPAWN_SAMPLES', 3),
  log_runs: envInt('BENCH_LOG_RUNS', 5),
  log_lines: envInt('BENCH_LOG_LINES', 200_000),
  log_chunk: envInt('BENCH_LOG_CHUNK', 4096),
  settle_ms: envInt('BENCH_SETTLE_MS', 1500),
  crash_runs: envInt('BENCH_CRASH_RUNS', 3),
  crash_seconds: envInt('BENCH_CRASH_SECONDS', 60),
  observe_runs: envInt('BENCH_OBSERVE_RUNS', 3),
  sampler_seconds: envInt('BENCH_SAMPLER_SECONDS', 30),
  scrapes: envInt('BENCH_SCRAPES', 10),
  status_all_samples: envInt('BENCH_STATUS_ALL_SAMPLES', 10),
  deploy_runs: envInt('BENCH_DEPLOY_RUNS', 3),
  deploy_seconds: envInt('BENCH_DEPLOY_SECONDS', 6),
  peers: (process.env.BENCH_PEERS ?? 'procodile,ruby,pm2,supervisord').split(',').map((s) => s.trim()),
  only: (process.env.BENCH_ONLY ?? 'ten,hundred,logs,crash,observe,deploy').split(',').map((s) => s.trim()),
};

const log = (msg) => process.stderr.write(`[bench ${((nowMs() - T0) / 1000).toFixed(1)}s] ${msg}\n`);
const T0 = nowMs();

const interrupted = cleanUpOnSignals(log);

// samples[metric][peer] = [numbers]
const samples = {};
const add = (metric, peer, value) => {
  ((samples[metric] ??= {})[peer] ??= []).push(value);
};
const errors = [];

async function withApp(peer, n, body) {
  const app = peer.create(n);
  const off = onCleanup(() => peer.destroy(app));
  try {
    await body(app);
  } catch (e) {
    errors.push({ peer: peer.name, n, error: e.message });
    log(`ERROR ${peer.name} (${n}): ${e.message}`);
  } finally {
    await peer.destroy(app);
    off();
  }
}

async function phaseTen(peers) {
  for (let r = 0; r < cfg.runs; r++) {
    for (const peer of rotate(peers, r)) {
      if (interrupted()) return;
      await withApp(peer, 10, async (app) => {
        const s = await measureStart(peer, app);
        add('start_10_ms', peer.name, s.ms);
        add('rss_10_kb', peer.name, await measureRss(peer, app, cfg.settle_ms));
        for (let i = 0; i < cfg.status_samples; i++) {
          // The baseline is sampled next to procodile's own samples, one for one: this machine's
          // speed drifts over a run, and the ratio must compare like with like.
          if (peer.name === 'procodile') add('status_ms', 'node_e0', await measureCli([process.execPath, ['-e', '0'], process.env]));
          add('status_ms', peer.name, await measureCli(peer.statusCmd(app)));
        }
        for (let k = 0; k < cfg.respawn_samples; k++) {
          add('respawn_ms', peer.name, await measureRespawn(peer, app, r * cfg.respawn_samples + k));
          await new Promise((res) => setTimeout(res, 150));
        }
        add('restart_10_ms', peer.name, (await measureRestart(peer, app)).ms);
        add('stop_10_ms', peer.name, (await measureStop(peer, app)).ms);
        log(`10/${peer.name} run ${r + 1}/${cfg.runs}: start ${round(s.ms, 0)} ms`);
      });
    }
  }
}

async function phaseHundred(peers) {
  for (let r = 0; r < cfg.runs_100; r++) {
    for (const peer of rotate(peers, r)) {
      if (interrupted()) return;
      await withApp(peer, 100, async (app) => {
        const s = await measureStart(peer, app);
        add('start_100_ms', peer.name, s.ms);
        add('rss_100_kb', peer.name, await measureRss(peer, app, cfg.settle_ms));
        const st = await measureStop(peer, app);
        add('stop_100_ms', peer.name, st.ms);
        log(`100/${peer.name} run ${r + 1}/${cfg.runs_100}: start ${round(s.ms, 0)} ms, stop ${round(st.ms, 0)} ms`);
      });
    }
  }
}

async function phaseLogs() {
  const modes = ['direct-file', 'background', 'background-rotating', 'background-direct', 'socket-relay', 'direct-pipe', 'node-pipe', 'foreground'];
  const out = {};
  for (let r = 0; r < cfg.log_runs; r++) {
    for (const mode of modes) {
      if (interrupted()) return out;
      try {
        const x = await logRun(mode, { cli: CLI, lines: cfg.log_lines, chunk: cfg.log_chunk });
        (out[mode] ??= []).push(x);
        log(`logs ${mode} run ${r + 1}/${cfg.log_runs}: ${Math.round(x.lines_per_s)} lines/s, lost ${x.lost} torn ${x.torn} reordered ${x.reordered}`);
      } catch (e) {
        errors.push({ peer: 'procodile', mode, error: e.message });
        log(`ERROR logs ${mode}: ${e.message}`);
      }
    }
  }
  return out;
}

// rounds[scenario] = [one object per round]
const rounds = { crash_loop: [], sampler: [], status_all: [], deploy: [] };

/** Registers an app of a scenario for the Ctrl-C teardown; the scenario tears it down itself. */
const cleanupOf = (peer) => (app) => onCleanup(() => peer.destroy(app));

async function phaseCrash(peers) {
  for (let r = 0; r < cfg.crash_runs; r++) {
    if (interrupted()) return;
    try {
      const x = await crashLoopRound(peers, cfg.crash_seconds, (peer, app) => cleanupOf(peer)(app));
      rounds.crash_loop.push(x);
      log(`crash-loop run ${r + 1}/${cfg.crash_runs}: ${Object.entries(x).map(([k, v]) => `${k} ${v.spawns} spawns ${round(v.cpu_percent, 2)}% cpu`).join(', ')}`);
    } catch (e) {
      errors.push({ scenario: 'crash-loop', error: e.message });
      log(`ERROR crash-loop: ${e.message}`);
    }
  }
}

async function phaseObserve(procodile) {
  const off = await buildWithoutSampler(CLI);
  onCleanup(() => removeDir(off.dir));
  for (let r = 0; r < cfg.observe_runs; r++) {
    if (interrupted()) return;
    try {
      const x = await samplerRound(procodile, off.cli, { seconds: cfg.sampler_seconds, settleMs: cfg.settle_ms, scrapes: cfg.scrapes }, cleanupOf(procodile));
      rounds.sampler.push(x);
      log(`sampler run ${r + 1}/${cfg.observe_runs}: cpu ${round(x.cpu_on, 2)}% (off ${round(x.cpu_off, 2)}%), rss ${x.rss_on_kb} kB (off ${x.rss_off_kb} kB)`);
      const y = await statusAllRound(procodile, { apps: 10, samples: cfg.status_all_samples }, cleanupOf(procodile));
      rounds.status_all.push(y);
      log(`status --all run ${r + 1}/${cfg.observe_runs}: ${round(stats(y.all_ms).median, 0)} ms vs ${round(stats(y.one_ms).median, 0)} ms`);
    } catch (e) {
      errors.push({ scenario: 'observe', error: e.message });
      log(`ERROR observe: ${e.message}`);
    }
  }
}

async function phaseDeploy(pm2) {
  const wrk = await import('node:child_process').then((cp) => cp.spawnSync('wrk', ['--version']));
  if (wrk.error) {
    log('deploy skipped: wrk is not installed (apt-get install -y wrk)');
    errors.push({ scenario: 'deploy', error: 'wrk not installed (apt-get install -y wrk)' });
    return;
  }
  const pm2Bin = pm2.available && cfg.peers.includes('pm2') ? join(PEERS_DIR, 'node_modules', 'pm2', 'bin', 'pm2') : null;
  if (pm2Bin === null) log(`deploy: PM2 reload skipped (${pm2.reason ?? 'not in BENCH_PEERS'}; npm install --prefix ${PEERS_DIR} pm2)`);
  for (let r = 0; r < cfg.deploy_runs; r++) {
    for (const quantity of [2, 4]) {
      if (interrupted()) return;
      try {
        const x = await procodileDeploy(CLI, quantity, cfg.deploy_seconds);
        rounds.deploy.push({ peer: 'procodile', ...x });
        log(`deploy procodile q${quantity} run ${r + 1}/${cfg.deploy_runs}: failed ${x.failed_during_restart}, p99 ${x.p99_ratio}x, proxy/direct ${x.throughput_ratio}`);
        if (pm2Bin !== null) {
          const y = await pm2Deploy(pm2Bin, quantity, cfg.deploy_seconds);
          rounds.deploy.push({ peer: 'pm2', ...y });
          log(`deploy pm2 q${quantity} run ${r + 1}/${cfg.deploy_runs}: failed ${y.failed_during_restart}, p99 ${y.p99_ratio}x`);
        }
      } catch (e) {
        errors.push({ scenario: 'deploy', quantity, error: e.message });
        log(`ERROR deploy q${quantity}: ${e.message}`);
      }
    }
  }
}

function rotate(list, k) {
  const s = k % list.length;
  return [...list.slice(s), ...list.slice(0, s)];
}

function summariseLogs(raw) {
  const res = {};
  for (const [mode, runs] of Object.entries(raw)) {
    const key = mode.replace('-', '_');
    const sum = (f) => runs.reduce((a, x) => a + x[f], 0);
    res[key] = {
      lines_per_s: stats(runs.map((x) => x.lines_per_s)),
      ms: stats(runs.map((x) => x.ms)),
      generator_write_ms: stats(runs.map((x) => x.generator_write_ms)),
      integrity: { lost: sum('lost'), torn: sum('torn'), reordered: sum('reordered'), duplicated: sum('duplicated'), other_lines: sum('other_lines'), runs: runs.length },
    };
  }
  return res;
}

async function main() {
  const procodile = procodilePeer(CLI);
  if (!procodile.available) throw new Error(`${CLI} is missing: run npm run build`);
  const all = [procodile, await rubyProcodilePeer(RUBY_SOURCE), await pm2Peer(PEERS_DIR), await supervisordPeer()];
  const peers = all.filter((p) => cfg.peers.includes(p.name) && p.available);
  for (const p of all) if (!p.available) log(`${p.name} unavailable: ${p.reason}`);
  log(`config ${JSON.stringify(cfg)}`);

  let logsRaw = {};
  try {
    if (cfg.only.includes('ten')) await phaseTen(peers);
    if (cfg.only.includes('hundred')) await phaseHundred(peers);
    if (cfg.only.includes('logs')) logsRaw = await phaseLogs();
    if (cfg.only.includes('crash')) await phaseCrash(peers);
    if (cfg.only.includes('observe')) await phaseObserve(procodile);
    if (cfg.only.includes('deploy')) await phaseDeploy(all[1]);
  } finally {
    await runCleanups();
  }

  const names = ['procodile', 'ruby', 'pm2', 'supervisord'];
  const metrics = {};
  for (const [metric, byPeer] of Object.entries(samples)) {
    metrics[metric] = {};
    for (const name of [...names, 'node_e0']) {
      if (byPeer[name]) metrics[metric][name] = stats(byPeer[name]);
      else if (name !== 'node_e0') metrics[metric][name] = all.find((p) => p.name === name)?.available && cfg.peers.includes(name) ? undefined : null;
    }
  }
  metrics.logs = summariseLogs(logsRaw);
  const ratios = {};
  for (const [metric, x] of Object.entries(metrics)) {
    if (metric === 'logs') continue;
    const base = metric.replace(/_(ms|kb)$/, '');
    for (const peer of ['ruby', 'pm2', 'supervisord']) {
      const rt = ratio(x.procodile, x[peer]);
      if (rt) ratios[`${base}_vs_${peer}`] = rt;
    }
  }
  if (metrics.status_ms) ratios.status_vs_node = ratio(metrics.status_ms.procodile, metrics.status_ms.node_e0);
  const lg = metrics.logs;
  ratios.log_background_vs_direct = ratio(lg.background?.lines_per_s, lg.direct_file?.lines_per_s);
  ratios.log_background_rotating_vs_direct = ratio(lg.background_rotating?.lines_per_s, lg.direct_file?.lines_per_s);
  ratios.log_background_direct_vs_direct = ratio(lg.background_direct?.lines_per_s, lg.direct_file?.lines_per_s);
  ratios.log_socket_relay_vs_direct = ratio(lg.socket_relay?.lines_per_s, lg.direct_file?.lines_per_s);
  ratios.log_foreground_vs_pipe = ratio(lg.foreground?.lines_per_s, lg.direct_pipe?.lines_per_s);
  ratios.log_node_pipe_vs_pipe = ratio(lg.node_pipe?.lines_per_s, lg.direct_pipe?.lines_per_s);
  ratios.log_foreground_vs_node_pipe = ratio(lg.foreground?.lines_per_s, lg.node_pipe?.lines_per_s);

  const result = {
    generated_at: new Date().toISOString(),
    duration_s: round((nowMs() - T0) / 1000, 1),
    machine: machine(all),
    config: cfg,
    notes: [
      'procodile instances are counted alive from ROOT/pids/idle.N.pid; PM2 and supervisord instances from /proc (live `sleep` children of the daemon), which is cheaper than polling pm2 jlist / supervisorctl and so never penalises the peers.',
      'CLIs are run as installed: `dist/procodile` (the launcher), `node .../pm2/bin/pm2`, `supervisorctl -c CONF`; timings are spawn-to-exit wall time.',
      'stop_* = max(command returned, last instance (and, for procodile/pm2, the daemon) gone). supervisord stop is `supervisorctl stop all` (daemon stays up).',
      'log lines_per_s = lines / (last line visible in the output file - generator began writing).',
    ],
    metrics,
    ratios,
    errors,
  };
  result.scenarios = summariseScenarios(rounds);
  result.scenario_rounds = rounds;
  result.targets = [...buildTargets(metrics, ratios), ...scenarioTargets(result.scenarios)];
  result.loadavg = (await import('node:os')).loadavg();
  const dir = join(HERE, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.generated_at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  printScenarios(result.scenarios);
  printReport(result);
  process.stdout.write(`\nresults: ${file}\n`);
  if (errors.length > 0) process.stdout.write(`errors: ${errors.length} (see JSON)\n`);
}

main().then(
  () => process.exit(0),
  async (e) => {
    log(`FAILED: ${e.stack ?? e.message}`);
    await runCleanups();
    process.exit(1);
  },
);
