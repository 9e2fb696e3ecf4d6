#!/usr/bin/env node
// The `deploy` scenario: HTTP load from wrk (Debian package `wrk`) through procodile's proxy
// while `procodile restart` replaces a web tier with a ready check (quantity 2, then 4, in
// start-term mode). It reports failed requests during the restart, p99 latency during the
// restart against before it, and proxy throughput against the same load sent straight to one
// instance. Run: `npm run build && node bench/deploy.mjs` (BENCH_DEPLOY_SECONDS, default 6).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = process.env.BENCH_CLI ?? join(fileURLToPath(new URL('.', import.meta.url)), '..', 'dist', 'procodile.cjs');
const SECONDS = Number(process.env.BENCH_DEPLOY_SECONDS ?? 6);
const CONNECTIONS = 10;

// A keep-alive server that shuts down gracefully: after its term signal, each connection's
// next response says \`Connection: close\`, so clients reconnect (through the proxy, to a new
// instance) instead of racing a close; what is left closes a second later.
const SERVER = `
const http = require('node:http');
let leaving = false;
const server = http.createServer((req, res) => {
  if (leaving) res.setHeader('connection', 'close');
  res.end('ok ' + process.env.PROC_NAME + '\\n');
});
process.on('SIGTERM', () => {
  leaving = true;
  setTimeout(() => { server.close(() => process.exit(0)); server.closeAllConnections(); }, 1000);
});
setTimeout(() => server.listen(Number(process.env.PORT), '127.0.0.1'), 500);
`;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function cli(root, args) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

/** Runs wrk for `seconds` and parses requests, errors and latency percentiles. */
function wrk(port, seconds) {
  return new Promise((resolve) => {
    const child = spawn('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`]);
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('close', () => {
      const number = (re) => Number(text.match(re)?.[1] ?? 0);
      const ms = (re) => {
        const m = text.match(re);
        if (!m) return null;
        const factor = { us: 0.001, ms: 1, s: 1000 }[m[2]] ?? 1;
        return Number(m[1]) * factor;
      };
      const socketErrors = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
      const errors = socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
      resolve({
        requests: number(/(\d+) requests in/),
        rps: number(/Requests\/sec:\s+([\d.]+)/),
        p99: ms(/99%\s+([\d.]+)(us|ms|s)/),
        failed: errors + number(/Non-2xx or 3xx responses: (\d+)/),
        raw: text,
      });
    });
  });
}

async function scenario(quantity) {
  const root = mkdtempSync('/tmp/pc-deploy-');
  const proxyPort = await freePort();
  writeFileSync(join(root, 'server.js'), SERVER);
  writeFileSync(join(root, 'Procfile'), `web: ${process.execPath} server.js\n`);
  writeFileSync(
    join(root, 'Procfile.options'),
    `proxy: true\nstop_timeout: 5\nprocesses:\n  web:\n    quantity: ${quantity}\n    restart_mode: start-term\n` +
      `    proxy_port: ${proxyPort}\n    drain_timeout: 1\n    ready:\n      http: /\n`,
  );
  try {
    const started = cli(root, ['start', '--wait']);
    if (started.code !== 0) throw new Error(started.out);
    const status = JSON.parse(cli(root, ['status', '--json']).out);
    const direct = status.instances.web[0].port;
    const before = await wrk(proxyPort, SECONDS);
    const straight = await wrk(direct, SECONDS);
    // The restart starts a second into the load and the load outlasts it.
    const during = wrk(proxyPort, SECONDS + quantity * 2);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    const restart = cli(root, ['restart']);
    const restartSeconds = (Date.now() - t0) / 1000;
    const load = await during;
    return {
      quantity,
      restart_exit: restart.code,
      restart_seconds: restartSeconds,
      failed_during_restart: load.failed,
      requests_during_restart: load.requests,
      p99_before_ms: before.p99,
      p99_during_ms: load.p99,
      p99_ratio: before.p99 ? Number((load.p99 / before.p99).toFixed(2)) : null,
      proxy_rps: before.rps,
      direct_rps: straight.rps,
      throughput_ratio: Number((before.rps / straight.rps).toFixed(2)),
    };
  } finally {
    cli(root, ['stop', '-s', '--wait']);
    rmSync(root, { recursive: true, force: true });
  }
}

try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (error) {
  if (error.code === 'ENOENT') {
    process.stderr.write('wrk is not installed (Debian: apt-get install wrk)\n');
    process.exit(2);
  }
}
const results = [];
for (const quantity of [2, 4]) results.push(await scenario(quantity));
process.stdout.write(`${JSON.stringify({ loadavg: (await import('node:os')).loadavg(), results }, null, 2)}\n`);
