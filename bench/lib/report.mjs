// Machine description, ratios, targets and the printed table.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { round, stats } from './util.mjs';

export function machine(peers) {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // keep os.cpus()
  }
  return {
    cpu_model: cpu,
    cores: os.cpus().length,
    memory_mb: Math.round(os.totalmem() / 2 ** 20),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    peers: Object.fromEntries(peers.map((p) => [p.name, p.available ? p.version : `unavailable: ${p.reason}`])),
  };
}

/** procodile/peer: the ratio of medians, and the median [min-max] of run-by-run ratios. */
export function ratio(a, b) {
  if (!a || !b || !b.median) return null;
  const n = Math.min(a.samples.length, b.samples.length);
  const paired = [];
  for (let i = 0; i < n; i++) if (b.samples[i]) paired.push(a.samples[i] / b.samples[i]);
  const p = stats(paired);
  return { of_medians: round(a.median / b.median, 3), paired: p && { median: round(p.median, 3), min: round(p.min, 3), max: round(p.max, 3) } };
}

export function buildTargets(m, r) {
  const v = (x) => (x === null || x === undefined ? null : x);
  const lg = m.logs;
  const integrity = lg && Object.keys(lg).length > 0 && Object.values(lg).every((x) => x && x.integrity);
  const bad = lg ? Object.values(lg).reduce((s, x) => s + (x ? x.integrity.lost + x.integrity.torn + x.integrity.reordered : 0), 0) : null;
  return [
    ['CLI status latency vs node -e 0', v(r.status_vs_node?.of_medians), '<=', 1.35, 'x'],
    ['CLI status latency vs pm2 jlist', v(r.status_vs_pm2?.of_medians), '<=', 0.5, 'x'],
    ['start of 10 vs Ruby Procodile', v(r.start_10_vs_ruby?.of_medians), '<=', 1, 'x'],
    ['start of 100 vs Ruby Procodile', v(r.start_100_vs_ruby?.of_medians), '<=', 1, 'x'],
    ['start of 100 vs PM2', v(r.start_100_vs_pm2?.of_medians), '<=', 0.35, 'x'],
    ['respawn vs PM2', v(r.respawn_vs_pm2?.of_medians), '<=', 1, 'x'],
    ['respawn median', v(m.respawn_ms?.procodile?.median), '<', 25, 'ms'],
    ['RSS with 100 idle vs PM2 daemon', v(r.rss_100_vs_pm2?.of_medians), '<=', 0.75, 'x'],
    ['stop of 100 vs supervisord', v(r.stop_100_vs_supervisord?.of_medians), '<=', 2, 'x'],
    ['background log throughput vs direct file', v(r.log_background_vs_direct?.of_medians), '>=', 0.9, 'x'],
    ['background log throughput, rotating every 2 MB, vs direct file', v(r.log_background_rotating_vs_direct?.of_medians), '>=', 0.9, 'x'],
    ['foreground log throughput', v(lg?.foreground?.lines_per_s?.median), '>=', 400_000, 'lines/s'],
    ['foreground vs generator piped to a file', v(r.log_foreground_vs_pipe?.of_medians), '>=', 0.35, 'x'],
    ['lost+torn+reordered lines (all modes)', integrity ? bad : null, '==', 0, 'lines'],
  ].map(([target, value, op, limit, unit]) => {
    let met = null;
    if (value !== null) met = op === '<=' ? value <= limit : op === '<' ? value < limit : op === '>=' ? value >= limit : value === limit;
    return { target: `${target} ${op} ${limit}${unit === 'x' ? 'x' : ` ${unit}`}`, value: value === null ? null : round(value, 3), unit, met };
  });
}

function fmtNum(x, unit) {
  if (x === null || x === undefined) return '-';
  if (unit === 'lines/s') return x >= 1e6 ? `${round(x / 1e6, 2)}M` : `${round(x / 1e3, 0)}k`;
  if (unit === 'kB') return `${round(x / 1024, 1)}MB`;
  return x >= 100 ? `${Math.round(x)}` : `${round(x, 1)}`;
}

function cell(s, unit) {
  if (s === 'n/a') return 'n/a';
  if (s === undefined) return '';
  if (s === null) return 'unavailable';
  return `${fmtNum(s.median, unit)} [${fmtNum(s.min, unit)}-${fmtNum(s.max, unit)}]`;
}

function rcell(x) {
  if (!x) return '';
  return x.paired ? `${x.of_medians} (${x.paired.min}-${x.paired.max})` : `${x.of_medians}`;
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');
}

export function printReport(res, out = process.stdout) {
  const m = res.metrics;
  const r = res.ratios;
  const rows = [['metric (median [min-max])', 'procodile', 'ruby procodile', 'pm2', 'supervisord', 'node -e 0', 'procodile/ruby', 'procodile/pm2', 'procodile/supervisord']];
  const line = (label, key, unit, extra = {}) => {
    const x = m[key];
    if (!x) return;
    rows.push([
      `${label} (${unit})`,
      cell(x.procodile, unit),
      cell(x.ruby, unit),
      cell(x.pm2, unit),
      cell(x.supervisord, unit),
      extra.node ? cell(x.node_e0, unit) : '',
      rcell(r[`${key.replace(/_(ms|kb)$/, '')}_vs_ruby`]),
      rcell(r[`${key.replace(/_(ms|kb)$/, '')}_vs_pm2`]),
      rcell(r[`${key.replace(/_(ms|kb)$/, '')}_vs_supervisord`]),
    ]);
  };
  line('CLI status, 10 instances', 'status_ms', 'ms', { node: true });
  line('start until 10 alive', 'start_10_ms', 'ms');
  line('start until 100 alive', 'start_100_ms', 'ms');
  line('respawn after SIGKILL', 'respawn_ms', 'ms');
  line('supervisor RSS, 10 idle', 'rss_10_kb', 'kB');
  line('supervisor RSS, 100 idle', 'rss_100_kb', 'kB');
  line('restart 10 until alive', 'restart_10_ms', 'ms');
  line('stop 10 until none left', 'stop_10_ms', 'ms');
  line('stop 100 until none left', 'stop_100_ms', 'ms');
  if (rows.length > 1) out.write(`\n${table(rows)}\n`);
  if (m.logs && Object.keys(m.logs).length > 0) {
    const lr = [['log throughput', 'lines/s median [min-max]', 'ms median', 'lost', 'torn', 'reordered', 'dup', 'vs baseline']];
    const base = { background: 'log_background_vs_direct', background_rotating: 'log_background_rotating_vs_direct', background_direct: 'log_background_direct_vs_direct', socket_relay: 'log_socket_relay_vs_direct', node_pipe: 'log_node_pipe_vs_pipe', foreground: 'log_foreground_vs_pipe' };
    for (const [mode, x] of Object.entries(m.logs)) {
      if (!x) continue;
      lr.push([mode, cell(x.lines_per_s, 'lines/s'), fmtNum(x.ms?.median, 'ms'), x.integrity.lost, x.integrity.torn, x.integrity.reordered, x.integrity.duplicated, base[mode] ? rcell(r[base[mode]]) : '']);
    }
    out.write(`\n${table(lr)}\n`);
    if (r.log_foreground_vs_node_pipe) out.write(`foreground vs node-pipe (Node relaying untouched): ${rcell(r.log_foreground_vs_node_pipe)}\n`);
  }
  const tr = [['target', 'value', 'result']];
  for (const t of res.targets) tr.push([t.target, t.value === null ? 'n/a' : `${t.value}${t.unit === 'x' ? 'x' : ` ${t.unit}`}`, t.met === null ? 'UNAVAILABLE' : t.met ? 'met' : 'MISSED']);
  out.write(`\n${table(tr)}\n`);
  const mc = res.machine;
  out.write(`\nmachine: ${mc.cpu_model}, ${mc.cores} cores, ${mc.memory_mb} MB, ${mc.kernel}, node ${mc.node}\n`);
  out.write(`peers: ${Object.entries(mc.peers).map(([k, v]) => `${k} ${v}`).join('; ')}\n`);
}
