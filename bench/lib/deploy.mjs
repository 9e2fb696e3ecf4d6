// The `deploy` scenario: HTTP load from wrk (Debian package `wrk`) through procodile's proxy
// while `procodile restart` replaces a web tier with a ready check (quantity 2, then 4, in
// start-term mode). It reports failed requests during the restart, p99 latency during the
// restart against before it, and proxy throughput against the same load sent straight to one
// instance. The peer figure is the same load during `pm2 reload` of the same server in PM2's
// cluster mode. Run alone with `node bench/deploy.mjs`, or as part of `npm run bench`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, freePort, isAlive, killTracked, onCleanup, readPidFile, waitFor, procodileCommand } from './util.mjs';

const CONNECTIONS = 10;

// A keep-alive server that shuts down gracefully: after its term signal, each connection's
// next response says \`Connection: close\`, so clients reconnect (through the proxy, to a new
// instance) instead of racing a close; what is left closes a second later. PM2 stops a worker
// with SIGINT, procodile with SIGTERM: both are handled alike.
const SERVER = `
const http = require('node:http');
let leaving = false;
const server = http.createServer((req, res) => {
  if (leaving) res.setHeader('connection', 'close');
  res.end('ok ' + process.env.PROC_NAME + '\\n');
});
const leave = () => {
  leaving = true;
  setTimeout(() => { server.close(() => process.exit(0)); server.closeAllConnections(); }, 1000);
};
process.on('SIGTERM', leave);
process.on('SIGINT', leave);
setTimeout(() => server.listen(Number(process.env.PORT), '127.0.0.1'), 500);
`;


function cli(CLI, root, args) {
  const result = spawnSync(...procodileCommand(CLI, args), { cwd: root, encoding: 'utf8', env: { ...cleanEnv(), NO_COLOR: '1' } });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

/** Runs wrk for `seconds` and parses requests, errors and latency percentiles. */
export function wrk(port, seconds) {
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

/** procodile: one web tier of `quantity` behind its proxy, restarted under load. */
export async function procodileDeploy(CLI, quantity, SECONDS) {
  const root = mkdtempSync('/tmp/pc-deploy-');
  const teardown = () => {
    cli(CLI, root, ['stop', '-s', '--wait']);
    rmSync(root, { recursive: true, force: true });
  };
  // Ctrl-C during the load tears the app down too (bench/run.mjs runs the cleanups).
  const forget = onCleanup(teardown);
  const proxyPort = await freePort();
  writeFileSync(join(root, 'server.js'), SERVER);
  writeFileSync(join(root, 'Procfile'), `web: ${process.execPath} server.js\n`);
  writeFileSync(
    join(root, 'Procfile.options'),
    `proxy: true\nstop_timeout: 5\nprocesses:\n  web:\n    quantity: ${quantity}\n    restart_mode: start-term\n` +
      `    proxy_port: ${proxyPort}\n    drain_timeout: 1\n    ready:\n      http: /\n`,
  );
  try {
    const started = cli(CLI, root, ['start', '--wait']);
    if (started.code !== 0) throw new Error(started.out);
    const status = JSON.parse(cli(CLI, root, ['status', '--json']).out);
    const direct = status.instances.web[0].port;
    const before = await wrk(proxyPort, SECONDS);
    const straight = await wrk(direct, SECONDS);
    // The restart starts a second into the load and the load outlasts it.
    const during = wrk(proxyPort, SECONDS + quantity * 2);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    const restart = cli(CLI, root, ['restart']);
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
    forget();
    teardown();
  }
}


/**
 * PM2: the same server in cluster mode (`instances: quantity`, PM2's master shares the port),
 * the same load during `pm2 reload`, with a private PM2_HOME. There is no proxy, so there is
 * no direct figure to compare with.
 */
export async function pm2Deploy(pm2Bin, quantity, SECONDS) {
  const root = mkdtempSync('/tmp/pc-deploy-pm2-');
  const home = join(root, 'h');
  mkdirSync(home);
  const port = await freePort();
  const env = { ...cleanEnv(), PM2_HOME: home };
  const pm2 = (...args) => {
    const r = spawnSync(process.execPath, [pm2Bin, ...args], { cwd: root, encoding: 'utf8', env });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  writeFileSync(join(root, 'server.js'), SERVER);
  const conf = { apps: [{ name: 'web', script: join(root, 'server.js'), exec_mode: 'cluster', instances: quantity, env: { PORT: String(port), PROC_NAME: 'web' } }] };
  writeFileSync(join(root, 'eco.config.js'), `module.exports = ${JSON.stringify(conf)};\n`);
  const daemon = () => readPidFile(join(home, 'pm2.pid'));
  const teardown = async () => {
    const pid = daemon();
    if (pid !== null && isAlive(pid)) {
      pm2('kill');
      await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, intervalMs: 20 }).catch(() => undefined);
      killTracked([pid], ['PM2', 'node']);
    }
    if (existsSync(root)) rmSync(root, { recursive: true, force: true });
  };
  const forget = onCleanup(teardown);
  try {
    const started = pm2('start', join(root, 'eco.config.js'));
    if (started.code !== 0) throw new Error(started.out);
    await waitFor(async () => (await wrk(port, 1)).requests > 0, { timeoutMs: 30_000, intervalMs: 200, what: 'PM2 cluster listening' });
    const before = await wrk(port, SECONDS);
    const during = wrk(port, SECONDS + quantity * 2);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    const reload = pm2('reload', 'web');
    const reloadSeconds = (Date.now() - t0) / 1000;
    const load = await during;
    return {
      quantity,
      restart_exit: reload.code,
      restart_seconds: reloadSeconds,
      failed_during_restart: load.failed,
      requests_during_restart: load.requests,
      p99_before_ms: before.p99,
      p99_during_ms: load.p99,
      p99_ratio: before.p99 ? Number((load.p99 / before.p99).toFixed(2)) : null,
      rps: before.rps,
    };
  } finally {
    forget();
    await teardown();
  }
}
