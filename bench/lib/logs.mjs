// Log throughput: the generator (bench/gen.mjs) writing LINES numbered 100-byte lines
//   direct-file   gen > file                          (baseline for background)
//   background    procodile daemon, default settings: the instance writes through the log
//                 writer into ROOT/gen.log (rotation on, 50 MB x 5)
//   background-rotating  the same with log_max_size: 2M, log_keep: 1000, so the run crosses
//                 ~10 rotations; the rotated files are read back in order and checked as one
//   background-direct    log_keep: 0, the instance's stdout is ROOT/gen.log itself
//   socket-relay  gen's stdout is a unix socket connection to a bare Node process that writes
//                 every chunk it reads to the file (no lines, no rotation): the bound of any
//                 Node log writer on a socket
//   direct-pipe   gen | cat > file                    (baseline for foreground)
//   node-pipe     node (spawns gen, pipes its stdout through untouched) | cat > file
//                 (the bound of any Node supervisor reading its children's pipes)
//   foreground    procodile start -f | cat > file     (prefixed, multiplexed output)
// Throughput = lines / (time the last line is in the file - time the generator began writing).
// Then the file is checked line by line: lost, torn (not a whole generator line), duplicated
// and reordered lines.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, isAlive, onCleanup, readPidFile, removeDir, shortTmp, sleep, wallMs, waitFor, procodileCommand } from './util.mjs';

const GEN = fileURLToPath(new URL('../gen.mjs', import.meta.url));
const NODE = process.execPath;
const PAYLOAD = 'x'.repeat(90);
const GEN_LINE = /^(\d{8}) x{90}$/;
const PREFIXED = /^\d\d:\d\d:\d\d (\S+)\s+\| (.*)$/;

function fileSize(path) {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

function tailHas(path, needle) {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 512);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('latin1').includes(needle);
  } finally {
    closeSync(fd);
  }
}

/** Checks a captured output against what the generator wrote. */
/** Every rotated file of `path`, oldest first, then `path` itself, as one text. */
function readRotated(path) {
  const dir = dirname(path);
  const base = basename(path);
  const numbered = readdirSync(dir)
    .map((name) => ({ name, n: name.startsWith(`${base}.`) ? Number(name.slice(base.length + 1)) : NaN }))
    .filter((e) => Number.isInteger(e.n))
    .sort((a, b) => b.n - a.n);
  return [...numbered.map((e) => join(dir, e.name)), path].map((p) => readFileSync(p, 'latin1')).join('');
}

function rotatedSize(path) {
  const dir = dirname(path);
  const base = basename(path);
  let total = 0;
  for (const name of readdirSync(dir)) if (name === base || /^\d+$/.test(name.slice(base.length + 1)) && name.startsWith(`${base}.`)) total += fileSize(join(dir, name));
  return total;
}

export function analyse(path, lines, { prefixed, rotated = false }) {
  const text = rotated ? readRotated(path) : readFileSync(path, 'latin1');
  const seen = new Uint8Array(lines + 1);
  let torn = 0;
  let other = 0;
  let reordered = 0;
  let duplicated = 0;
  let prev = 0;
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  else if (parts.length > 0) torn++; // a last line without its newline
  for (const raw of parts) {
    let body = raw;
    if (prefixed) {
      const m = PREFIXED.exec(raw);
      if (m === null) {
        torn++;
        continue;
      }
      body = m[2];
      if (m[1] !== 'gen.1') {
        if (body.includes('xxxx')) torn++;
        else other++;
        continue;
      }
    }
    const g = GEN_LINE.exec(body);
    if (g === null) {
      if (!prefixed || body.includes('xxxx') || /^\d{1,8}( |$)/.test(body)) torn++;
      else other++; // supervisor messages about gen.1 ("Started with PID ...")
      continue;
    }
    const n = Number(g[1]);
    if (n < 1 || n > lines) {
      torn++;
      continue;
    }
    if (seen[n]) duplicated++;
    seen[n] = 1;
    if (n < prev) reordered++;
    prev = n;
  }
  let lost = 0;
  for (let n = 1; n <= lines; n++) if (!seen[n]) lost++;
  return { lost, torn, reordered, duplicated, other_lines: other, bytes: text.length };
}

function spawnTracked(file, args, stdio, env = cleanEnv()) {
  const child = spawn(file, args, { stdio, env });
  const off = onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, exited: exited.then((v) => (off(), v)) };
}

async function finish(dir, out, t0Done, lines, prefixed, extra = {}, rotated = false) {
  const gen = JSON.parse(readFileSync(join(dir, 'stat.json'), 'utf8'));
  const seconds = (t0Done - gen.start) / 1000;
  return {
    lines_per_s: lines / seconds,
    ms: seconds * 1000,
    generator_write_ms: gen.end - gen.start,
    ...analyse(out, lines, { prefixed, rotated }),
    ...extra,
  };
}

export async function logRun(mode, { cli, lines, chunk, timeoutMs = 120_000 }) {
  const dir = shortTmp('pcb-log-');
  const removeLater = onCleanup(() => removeDir(dir));
  const stat = join(dir, 'stat.json');
  const genArgs = [GEN, String(lines), stat, String(chunk)];
  const expected = lines * 100;
  const lastLine = `${String(lines).padStart(8, '0')} ${PAYLOAD}\n`;
  const statReady = () => fileSize(stat) > 0;
  try {
    if (mode === 'direct-file') {
      const out = join(dir, 'out.log');
      const fd = openSync(out, 'w');
      const g = spawnTracked(NODE, genArgs, ['ignore', fd, 'inherit']);
      closeSync(fd);
      await waitFor(() => fileSize(out) >= expected, { timeoutMs, what: 'direct file output' });
      const done = wallMs();
      await waitFor(statReady, { timeoutMs: 10_000 });
      g.child.kill('SIGTERM');
      await g.exited;
      return await finish(dir, out, done, lines, false);
    }
    if (mode === 'direct-pipe') {
      const out = join(dir, 'out.log');
      const fd = openSync(out, 'w');
      const g = spawnTracked(NODE, genArgs, ['ignore', 'pipe', 'inherit']);
      const c = spawnTracked('cat', [], [g.child.stdout, fd, 'inherit']);
      closeSync(fd);
      await waitFor(() => tailHas(out, lastLine), { timeoutMs, what: 'piped output' });
      const done = wallMs();
      await waitFor(statReady, { timeoutMs: 10_000 });
      g.child.kill('SIGTERM');
      await Promise.all([g.exited, c.exited]);
      return await finish(dir, out, done, lines, false);
    }
    if (mode === 'node-pipe') {
      const out = join(dir, 'out.log');
      const fd = openSync(out, 'w');
      // The generator is spawned by Node with a pipe, as procodile spawns it, and relayed with
      // no processing at all: what is left is Node's own cost per chunk.
      const relay = `const c = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: ['ignore', 'pipe', 'inherit'] });
        c.stdout.pipe(process.stdout); process.on('SIGTERM', () => { c.kill('SIGTERM'); process.exit(0); });`;
      const p = spawnTracked(NODE, ['-e', relay, NODE, ...genArgs], ['ignore', 'pipe', 'inherit']);
      const c = spawnTracked('cat', [], [p.child.stdout, fd, 'inherit']);
      closeSync(fd);
      await waitFor(() => tailHas(out, lastLine), { timeoutMs, what: 'node-piped output' });
      const done = wallMs();
      await waitFor(statReady, { timeoutMs: 10_000 });
      p.child.kill('SIGTERM');
      await Promise.all([p.exited, c.exited]);
      return await finish(dir, out, done, lines, false);
    }
    if (mode === 'socket-relay' || mode.startsWith('socket-relay=')) {
      const out = join(dir, 'out.log');
      const sock = join(dir, 'relay.sock');
      const relay = `const fs = require('node:fs'); const fd = fs.openSync(process.argv[2], 'a');
        require('node:net').createServer((s) => s.on('data', (c) => { let o = 0; while (o < c.length) o += fs.writeSync(fd, c, o); }))
          .listen(process.argv[1], () => process.stdout.write('ready\\n'));`;
      // socket-relay=PROGRAM: another relay (args SOCKET OUT, prints a line once listening).
      const other = mode.slice('socket-relay='.length);
      const r = other ? spawnTracked(other, [sock, out], ['ignore', 'pipe', 'inherit']) : spawnTracked(NODE, ['-e', relay, sock, out], ['ignore', 'pipe', 'inherit']);
      await new Promise((resolve) => r.child.stdout.once('data', resolve));
      const socket = await new Promise((resolve, reject) => {
        const s = connect(sock, () => resolve(s));
        s.once('error', reject);
      });
      const g = spawnTracked(NODE, genArgs, ['ignore', socket, 'inherit']);
      socket.destroy();
      await waitFor(() => fileSize(out) >= expected, { timeoutMs, what: 'relayed output' });
      const done = wallMs();
      await waitFor(statReady, { timeoutMs: 10_000 });
      g.child.kill('SIGTERM');
      r.child.kill('SIGTERM');
      await Promise.all([g.exited, r.exited]);
      return await finish(dir, out, done, lines, false);
    }
    // procodile modes: the generator is the only process of the app
    writeFileSync(join(dir, 'Procfile'), `gen: ${NODE} ${genArgs.join(' ')}\n`);
    const options = { 'background-rotating': 'log_max_size: 2M\nlog_keep: 1000\n', 'background-direct': 'log_keep: 0\n' }[mode];
    if (options !== undefined) writeFileSync(join(dir, 'Procfile.options'), options);
    if (mode === 'background' || mode === 'background-rotating' || mode === 'background-direct') {
      // Read as rotated files in every mode: a long run (BENCH_LOG_LINES) also rotates at the default 50 MB.
      const rotated = true;
      const out = join(dir, 'gen.log');
      const start = spawnTracked(...procodileCommand(cli, ['start', '-r', dir]), ['ignore', 'ignore', 'inherit']);
      const stopAll = onCleanup(() => stopDaemon(cli, dir));
      try {
        await waitFor(() => (rotated ? rotatedSize(out) : fileSize(out)) >= expected, { timeoutMs, what: 'background log file' });
        const done = wallMs();
        await waitFor(statReady, { timeoutMs: 10_000 });
        await start.exited;
        return await finish(dir, out, done, lines, false, {}, rotated);
      } finally {
        stopAll();
        await stopDaemon(cli, dir);
      }
    }
    if (mode === 'foreground') {
      const out = join(dir, 'out.log');
      const fd = openSync(out, 'w');
      const p = spawnTracked(...procodileCommand(cli, ['start', '-f', '-r', dir]), ['ignore', 'pipe', 'inherit']);
      const c = spawnTracked('cat', [], [p.child.stdout, fd, 'inherit']);
      closeSync(fd);
      await waitFor(() => tailHas(out, lastLine), { timeoutMs, what: 'foreground output' });
      const done = wallMs();
      await waitFor(statReady, { timeoutMs: 10_000 });
      p.child.kill('SIGTERM');
      await Promise.all([p.exited, c.exited]);
      return await finish(dir, out, done, lines, true);
    }
    throw new Error(`unknown log mode ${mode}`);
  } finally {
    removeLater();
    removeDir(dir);
  }
}

async function stopDaemon(cli, dir) {
  const sup = readPidFile(join(dir, 'pids', 'procodile.pid'));
  if (sup === null || !isAlive(sup)) return;
  const s = spawnTracked(...procodileCommand(cli, ['stop', '-s', '--wait', '-r', dir]), ['ignore', 'ignore', 'ignore']);
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 30_000);
  await s.exited;
  clearTimeout(timer);
  if (isAlive(sup)) {
    const k = spawnTracked(...procodileCommand(cli, ['kill', '-r', dir]), ['ignore', 'ignore', 'ignore']);
    await k.exited;
  }
  await sleep(5);
}
