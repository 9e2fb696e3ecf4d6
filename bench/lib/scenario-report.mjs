// Medians, targets and tables of the crash-loop, observation and deploy scenarios.
import { LOG_BYTES_PER_SPAWN } from './crash-loop.mjs';
import { round, stats } from './util.mjs';

const pick = (list, f) => stats(list.map(f).filter((x) => x !== null && x !== undefined));

export function summariseScenarios(rounds) {
  const crash = {};
  const names = new Set(rounds.crash_loop.flatMap((r) => Object.keys(r)));
  for (const name of names) {
    const rs = rounds.crash_loop.map((r) => r[name]).filter(Boolean);
    crash[name] = {
      spawns: pick(rs, (x) => x.spawns),
      spawns_per_min_after_10s: pick(rs, (x) => x.spawns_per_min_after_warmup),
      cpu_percent: pick(rs, (x) => x.cpu_percent),
      log_writer_cpu_percent: pick(rs, (x) => x.log_writer_cpu_percent),
      log_bytes: pick(rs, (x) => x.log_bytes),
      log_bytes_after_10s: pick(rs, (x) => x.log_bytes_after_warmup),
      // Bytes per spawn after the warm-up; 0 when neither grew.
      log_bytes_per_spawn_after_10s: pick(rs, (x) => x.log_bytes_after_warmup / Math.max(1, x.spawns_after_warmup)),
      rss_start_kb: pick(rs, (x) => x.rss_start_kb),
      rss_end_kb: pick(rs, (x) => x.rss_end_kb),
      rss_growth_percent: pick(rs, (x) => (x.rss_start_kb ? ((x.rss_end_kb - x.rss_start_kb) / x.rss_start_kb) * 100 : null)),
    };
  }
  const sampler = rounds.sampler.length === 0 ? null : {
    cpu_percent_on: pick(rounds.sampler, (x) => x.cpu_on),
    cpu_percent_off: pick(rounds.sampler, (x) => x.cpu_off),
    rss_on_kb: pick(rounds.sampler, (x) => x.rss_on_kb),
    rss_off_kb: pick(rounds.sampler, (x) => x.rss_off_kb),
    rss_growth_kb: pick(rounds.sampler, (x) => x.rss_on_kb - x.rss_off_kb),
    scrape_ms: stats(rounds.sampler.flatMap((x) => x.scrape_ms)),
    scrape_bytes: pick(rounds.sampler, (x) => x.scrape_bytes),
  };
  const statusAll = rounds.status_all.length === 0 ? null : {
    status_ms: stats(rounds.status_all.flatMap((x) => x.one_ms)),
    status_all_10_apps_ms: stats(rounds.status_all.flatMap((x) => x.all_ms)),
  };
  if (statusAll) statusAll.ratio = round(statusAll.status_all_10_apps_ms.median / statusAll.status_ms.median, 3);
  const deploy = {};
  for (const r of rounds.deploy) (deploy[`${r.peer}_q${r.quantity}`] ??= []).push(r);
  const deploySummary = {};
  for (const [key, rs] of Object.entries(deploy)) {
    deploySummary[key] = {
      runs: rs.length,
      failed_total: rs.reduce((a, x) => a + x.failed_during_restart, 0),
      requests_during: pick(rs, (x) => x.requests_during_restart),
      restart_seconds: pick(rs, (x) => x.restart_seconds),
      p99_before_ms: pick(rs, (x) => x.p99_before_ms),
      p99_during_ms: pick(rs, (x) => x.p99_during_ms),
      p99_ratio: pick(rs, (x) => x.p99_ratio),
      rps: pick(rs, (x) => x.proxy_rps ?? x.rps),
      direct_rps: pick(rs, (x) => x.direct_rps),
      throughput_ratio: pick(rs, (x) => x.throughput_ratio),
    };
  }
  return { crash_loop: crash, sampler, status_all: statusAll, deploy: deploySummary };
}

function target(name, value, op, limit, unit) {
  let met = null;
  if (value !== null && value !== undefined) met = op === '<=' ? value <= limit : op === '<' ? value < limit : op === '>=' ? value >= limit : value === limit;
  return { target: `${name} ${op} ${limit}${unit === 'x' ? 'x' : ` ${unit}`}`, value: value === null || value === undefined ? null : round(value, 3), unit, met };
}

export function scenarioTargets(s) {
  const out = [];
  for (const name of ['procodile', 'procodile_unbounded']) {
    const c = s.crash_loop[name];
    if (!c) continue;
    out.push(target(`crash loop (${name}): supervisor CPU`, c.cpu_percent?.median, '<=', 1, '% of a core'));
    out.push(target(`crash loop (${name}): RSS growth start to end`, c.rss_growth_percent?.median, '<=', 5, '%'));
    out.push(target(`crash loop (${name}): log bytes per spawn after 10 s`, c.log_bytes_per_spawn_after_10s?.median, '<=', LOG_BYTES_PER_SPAWN, 'bytes'));
  }
  if (s.sampler) {
    out.push(target('sampler, 100 idle: supervisor CPU', s.sampler.cpu_percent_on?.median, '<=', 0.5, '% of a core'));
    out.push(target('sampler, 100 idle: RSS against sampling off', s.sampler.rss_growth_kb?.median, '<=', 2048, 'kB'));
    out.push(target('metrics scrape of 100 instances', s.sampler.scrape_ms?.median, '<', 20, 'ms'));
  }
  if (s.status_all) out.push(target('status --all (10 apps) vs one status', s.status_all.ratio, '<=', 2, 'x'));
  for (const q of [2, 4]) {
    const d = s.deploy[`procodile_q${q}`];
    if (!d) continue;
    out.push(target(`deploy q${q}: failed requests during restart (all runs)`, d.failed_total, '==', 0, 'requests'));
    out.push(target(`deploy q${q}: p99 during restart vs before`, d.p99_ratio?.median, '<=', 3, 'x'));
    out.push(target(`deploy q${q}: proxy throughput vs direct`, d.throughput_ratio?.median, '>=', 0.8, 'x'));
  }
  return out;
}

const f = (x, digits = 2) => (x === null || x === undefined ? '-' : `${round(x.median, digits)} [${round(x.min, digits)}-${round(x.max, digits)}]`);

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');
}

export function printScenarios(s, out = process.stdout) {
  const names = Object.keys(s.crash_loop);
  if (names.length > 0) {
    const rows = [['crash loop (median [min-max])', ...names]];
    const line = (label, key, digits) => rows.push([label, ...names.map((n) => f(s.crash_loop[n][key], digits))]);
    line('spawns in the window', 'spawns', 0);
    line('spawns/min after 10 s', 'spawns_per_min_after_10s', 1);
    line('supervisor CPU (% of a core)', 'cpu_percent', 2);
    line('log writer CPU (%)', 'log_writer_cpu_percent', 2);
    line('supervisor log bytes', 'log_bytes', 0);
    line('log bytes after 10 s', 'log_bytes_after_10s', 0);
    line('supervisor RSS at start (kB)', 'rss_start_kb', 0);
    line('supervisor RSS at end (kB)', 'rss_end_kb', 0);
    line('RSS change (%)', 'rss_growth_percent', 1);
    out.write(`\n${table(rows)}\n`);
  }
  if (s.sampler) {
    out.write(`\nsampler, 100 idle: CPU ${f(s.sampler.cpu_percent_on)} % on, ${f(s.sampler.cpu_percent_off)} % off; RSS ${f(s.sampler.rss_on_kb, 0)} kB on, ${f(s.sampler.rss_off_kb, 0)} kB off, on-off ${f(s.sampler.rss_growth_kb, 0)} kB\n`);
    out.write(`metrics scrape of 100 instances: ${f(s.sampler.scrape_ms, 1)} ms, ${f(s.sampler.scrape_bytes, 0)} bytes\n`);
  }
  if (s.status_all) out.write(`status --all --json, 10 apps: ${f(s.status_all.status_all_10_apps_ms, 0)} ms; status --json: ${f(s.status_all.status_ms, 0)} ms; ratio ${s.status_all.ratio}\n`);
  const keys = Object.keys(s.deploy);
  if (keys.length > 0) {
    const rows = [['deploy (median [min-max])', ...keys]];
    const line = (label, key, digits) => rows.push([label, ...keys.map((k) => f(s.deploy[k][key], digits))]);
    rows.push(['runs / failed requests (sum)', ...keys.map((k) => `${s.deploy[k].runs} / ${s.deploy[k].failed_total}`)]);
    line('requests during restart', 'requests_during', 0);
    line('restart / reload (s)', 'restart_seconds', 1);
    line('p99 before (ms)', 'p99_before_ms', 1);
    line('p99 during (ms)', 'p99_during_ms', 1);
    line('p99 during / before', 'p99_ratio', 2);
    line('requests/s before', 'rps', 0);
    line('direct requests/s', 'direct_rps', 0);
    line('proxy / direct', 'throughput_ratio', 2);
    out.write(`\n${table(rows)}\n`);
  }
}
