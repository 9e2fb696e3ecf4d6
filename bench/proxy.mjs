// Proxy throughput: wrk (-t2 -c10 -d5s, Debian package `wrk`) straight to one instance of a
// trivial keep-alive HTTP server and through procodile's proxy, paired and alternating in
// order, with the CPU of the supervisor, the servers and wrk (from /proc/PID/stat) and of the
// whole machine during each run (README.md, "Performance"). Prints; writes no result file.
// usage: npm run build && node bench/proxy.mjs [quantity=1] [rounds=5] [seconds=5]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/procodile.cjs', import.meta.url));
const [q = '1', roundsArg = '5', secArg = '5'] = process.argv.slice(2);
const quantity = Number(q), rounds = Number(roundsArg), SECONDS = Number(secArg);
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => { res.end('ok ' + process.env.PROC_NAME + '\\n'); });
process.on('SIGTERM', () => process.exit(0));
server.listen(Number(process.env.PORT), '127.0.0.1');
`;
const freePort = () => new Promise((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
const env = { ...process.env, NO_COLOR: '1' };
for (const k of Object.keys(env)) if (k.startsWith('PROCODILE')) delete env[k];
const cli = (root, args) => { const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', env }); return { code: r.status, out: r.stdout + r.stderr }; };
const ticks = (pid) => { try { const t = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = t.slice(t.lastIndexOf(')') + 2).split(' '); return Number(f[11]) + Number(f[12]); } catch { return null; } };
const sysBusy = () => { const f = readFileSync('/proc/stat','utf8').split('\n')[0].split(/\s+/).slice(1).map(Number); const idle = f[3] + f[4]; return [f.reduce((a,b)=>a+b,0), idle]; };
const rss = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;

function wrk(port, pids) {
  return new Promise((resolve) => {
    const child = spawn('wrk', ['-t2', '-c10', `-d${SECONDS}s`, `http://127.0.0.1:${port}/`]);
    const sys0 = sysBusy();
    const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, ticks(p)]));
    let wrkStart = null;
    setTimeout(() => (wrkStart = ticks(child.pid)), 100);
    let text = '';
    let wrkEnd = null;
    const poll = setInterval(() => { const t = ticks(child.pid); if (t !== null) wrkEnd = t; }, 100);
    const t0 = Date.now();
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', () => {
      const secs = (Date.now() - t0) / 1000;
      clearInterval(poll);
      const cpu = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, Math.round((ticks(p) - before[k]) / secs)]));
      cpu.wrk = Math.round((wrkEnd - (wrkStart ?? 0)) / secs);
      const sys1 = sysBusy(); cpu.all = Math.round(200 * (1 - (sys1[1] - sys0[1]) / (sys1[0] - sys0[0])));
      resolve({ rps: Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? 0), errors: /Socket errors/.test(text), cpu });
    });
  });
}

const root = mkdtempSync('/tmp/pp-');
const proxyPort = await freePort();
writeFileSync(join(root, 'server.js'), SERVER);
writeFileSync(join(root, 'Procfile'), `web: ${process.execPath} server.js\n`);
writeFileSync(join(root, 'Procfile.options'), `proxy: true\nprocesses:\n  web:\n    quantity: ${quantity}\n    proxy_port: ${proxyPort}\n    ready: tcp\n`);
try {
  const s = cli(root, ['start', '--wait']);
  if (s.code !== 0) throw new Error(s.out);
  const st = JSON.parse(cli(root, ['status', '--json']).out);
  const sup = st.supervisor.pid;
  const inst = st.instances.web;
  const pids = { sup, ...Object.fromEntries(inst.map((i, n) => [`srv${n + 1}`, i.pid])) };
  // warm up both
  await wrk(inst[0].port, {}); await wrk(proxyPort, {});
  const rows = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct'];
    const row = {};
    for (const which of order) row[which] = await wrk(which === 'direct' ? inst[0].port : proxyPort, pids);
    row.ratio = row.proxy.rps / row.direct.rps;
    rows.push(row);
    console.log(`round ${r + 1}: direct ${row.direct.rps.toFixed(0)} cpu ${JSON.stringify(row.direct.cpu)} | proxy ${row.proxy.rps.toFixed(0)} cpu ${JSON.stringify(row.proxy.cpu)} | ratio ${row.ratio.toFixed(3)}${row.proxy.errors || row.direct.errors ? ' ERRORS' : ''}`);
  }
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  console.log(`q${quantity} median: direct ${med(rows.map((r) => r.direct.rps)).toFixed(0)} proxy ${med(rows.map((r) => r.proxy.rps)).toFixed(0)} ratio ${med(rows.map((r) => r.ratio)).toFixed(3)} [${Math.min(...rows.map((r) => r.ratio)).toFixed(2)}-${Math.max(...rows.map((r) => r.ratio)).toFixed(2)}] supRSS ${rss(sup).toFixed(1)}MB`);
} finally {
  cli(root, ['stop', '-s', '--wait']);
  rmSync(root, { recursive: true, force: true });
}
