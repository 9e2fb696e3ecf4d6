// Small helpers shared by the benchmark: timing, /proc inspection, statistics and cleanup.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const wallMs = () => performance.timeOrigin + performance.now();
export const nowMs = () => performance.now();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A short temp dir under /tmp (unix socket paths must stay short). */
export function shortTmp(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/** The fields of /proc/PID/stat we use, or null when the process does not exist. */
export function procStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  return { pid, comm, state: fields[0], ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]), starttime: Number(fields[19]) };
}

/** Alive = exists and is not a zombie (PID 1 here does not reap orphans). */
export function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const st = procStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
}

/** Live direct children of `ppid` (optionally only with comm `comm` and pid > minPid). */
export function liveChildren(ppid, { comm, minPid = 0 } = {}) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(entry);
    if (pid <= minPid) continue;
    const st = procStat(pid);
    if (st === null || st.ppid !== ppid || st.state === 'Z' || st.state === 'X') continue;
    if (comm !== undefined && st.comm !== comm) continue;
    out.push(pid);
  }
  return out;
}

/** CPU ticks (utime + stime, in USER_HZ) the process used so far, or null when it is gone. */
export function cpuTicks(pid) {
  const st = pid === null ? null : procStat(pid);
  return st === null ? null : st.utime + st.stime;
}

/** USER_HZ, the unit of /proc/PID/stat times (100 on every Linux we run on). */
export const TICKS_PER_SECOND = 100;

export function fileSize(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function readPidFile(path) {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Polls `check` (sync or async) every `intervalMs` until it returns a truthy value. */
export async function waitFor(check, { timeoutMs = 60_000, intervalMs = 1, what = 'condition' } = {}) {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (nowMs() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** The environment for peers: ours without the npm_* noise of `npm run`. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('npm_') || k === 'INIT_CWD' || k === 'NODE') continue;
    env[k] = v;
  }
  if (env.PATH) env.PATH = env.PATH.split(':').filter((p) => !p.includes('node_modules/.bin')).join(':');
  return { ...env, ...extra };
}

/**
 * Runs a command to completion. Resolves { code, ms, stdout, stderr, pid }; `ms` is the wall time
 * from spawn to exit. `onSpawn` receives the pid (used to register it for cleanup).
 */
export function run(file, args, { env, cwd, timeoutMs = 120_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn(file, args, { env: env ?? cleanEnv(), cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        ms: nowMs() - t0,
        pid: child.pid,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

export async function runOk(file, args, opts) {
  const r = await run(file, args, opts);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr || r.stdout}`.slice(0, 2000));
  return r;
}

export function stats(samples) {
  const xs = samples.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return { median, min: xs[0], max: xs[xs.length - 1], n: xs.length, samples: samples.map((x) => round(x)) };
}

export function round(x, digits = 2) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function envInt(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got '${v}'`);
  return n;
}

/** Cleanup actions run once, in reverse order, on success, failure, or a signal. */
const cleanups = [];
export function onCleanup(fn) {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i !== -1) cleanups.splice(i, 1);
  };
}
export async function runCleanups() {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (e) {
      process.stderr.write(`cleanup: ${e.message}\n`);
    }
  }
}

/**
 * On SIGINT, SIGTERM or SIGHUP: say so, run the cleanups once and exit 130. Returns a check
 * the bench's loops poll to stop early.
 */
export function cleanUpOnSignals(log) {
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${sig}: cleaning up`);
      runCleanups().finally(() => process.exit(130));
    });
  }
  return () => interrupted;
}

/** Last resort: SIGKILL pids we started, if still alive and still what we think they are. */
export function killTracked(pids, expectedComms) {
  for (const pid of pids) {
    const st = procStat(pid);
    if (st === null || st.state === 'Z') continue;
    if (expectedComms && !expectedComms.some((c) => st.comm.includes(c))) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** A loopback TCP port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** How to run the procodile command `cli` with `args`: the launcher directly, a .cjs loader under node. */
export function procodileCommand(cli, args) {
  return cli.endsWith('.cjs') ? [process.execPath, ['--', cli, ...args]] : [cli, args];
}
