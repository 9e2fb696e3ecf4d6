// End-to-end tests of log rotation through the log writer (README.md, "Logs"): no line lost,
// torn or duplicated under a fast writer, log_keep honoured, gzip, and an application that
// outlives a killed supervisor with its output still reaching (and rotating) its log.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { appsCleanedAfterEach, readPid, waitFor, type TestApp } from '../helpers/app.js';
import { isAlive } from '../../src/proc/liveness.js';
import { cli, startDaemon, stopAll, waitForDeath, waitForRunning } from '../helpers/supervisor.js';

const newApp = appsCleanedAfterEach();

/**
 * Writes numbered lines `PREFIX 00000001 xxxx...` in 4 KiB writes that ignore line ends (as C
 * stdio does), COUNT of them (or forever with a pause between batches), then idles.
 */
const GENERATOR = `
const [prefix, count, pauseMs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 0)];
const fs = require('node:fs');
let n = 0;
let pending = Buffer.alloc(0);
function batch(lines) {
  let text = '';
  for (let i = 0; i < lines && (count === 0 || n < count); i++) text += prefix + ' ' + String(++n).padStart(8, '0') + ' ' + 'x'.repeat(40) + '\\n';
  pending = Buffer.concat([pending, Buffer.from(text)]);
  while (pending.length >= 4096) { fs.writeSync(1, pending, 0, 4096); pending = pending.subarray(4096); }
}
function flush() { if (pending.length) fs.writeSync(1, pending); pending = Buffer.alloc(0); }
if (pauseMs === 0) { while (n < count) batch(1000); flush(); setInterval(() => {}, 1 << 30); }
else setInterval(() => { batch(5); flush(); }, pauseMs);
`;

const LINE = /^(\S+) (\d{8}) x{40}$/;

/** The rotated files of `name` (oldest first) and the live one, decompressed. */
function readAll(app: TestApp, name: string): { files: string[]; text: string } {
  const numbered = readdirSync(app.root)
    .map((file) => ({ file, m: new RegExp(`^${name}\\.(\\d+)(\\.gz)?$`).exec(file) }))
    .filter((e) => e.m !== null)
    .sort((a, b) => Number(b.m?.[1]) - Number(a.m?.[1]))
    .map((e) => e.file);
  const files = [...numbered, name];
  let text = '';
  for (const file of files) {
    let content: Buffer;
    try {
      content = readFileSync(app.path(file));
    } catch {
      continue; // rotated away between the listing and the read
    }
    text += (file.endsWith('.gz') ? gunzipSync(content) : content).toString('utf8');
  }
  return { files, text };
}

/** Counts numbered lines: each must appear once, whole, in order, from 1 to the last. */
function check(text: string, prefix: string): { last: number; lost: number; torn: number; duplicated: number; reordered: number } {
  const lines = text.split('\n');
  const tail = lines.pop();
  let torn = tail === '' ? 0 : 1;
  const seen = new Set<number>();
  let last = 0;
  let duplicated = 0;
  let reordered = 0;
  for (const line of lines) {
    const m = LINE.exec(line);
    if (m === null || m[1] !== prefix) {
      torn++;
      continue;
    }
    const n = Number(m[2]);
    if (seen.has(n)) duplicated++;
    if (n < last) reordered++;
    seen.add(n);
    last = Math.max(last, n);
  }
  return { last, lost: last - seen.size, torn, duplicated, reordered };
}

function setup(options: string, count: number, pauseMs = 0): TestApp {
  return newApp({
    'gen.js': GENERATOR,
    Procfile: `gen: node gen.js G ${count} ${pauseMs}\n`,
    'Procfile.options': options,
  });
}

function writerPid(app: TestApp): number | undefined {
  return readPid(app.path('pids', '.procodile-logs.pid'));
}

describe('log rotation', () => {
  it('rotates under a fast writer without losing, tearing or duplicating a line', async () => {
    const count = 100_000; // ~5.5 MB: about 80 rotations
    const app = setup('log_max_size: 64K\nlog_keep: 1000\n', count);
    await startDaemon(app);
    await waitFor(() => check(readAll(app, 'gen.log').text, 'G').last === count, 60_000, `all ${count} lines in the logs`);
    const { files, text } = readAll(app, 'gen.log');
    assert.deepEqual(check(text, 'G'), { last: count, lost: 0, torn: 0, duplicated: 0, reordered: 0 });
    assert.ok(files.length > 50, `expected many rotated files, got ${files.length}`);
    for (const file of files) assert.ok(statSync(app.path(file)).size <= 64 * 1024, `${file} is larger than log_max_size`);
    const writer = writerPid(app);
    assert.ok(writer !== undefined && isAlive(writer), 'the log writer runs');
    await stopAll(app);
    await waitForDeath(writer, 5000);
  });

  it('keeps log_keep rotated files, gzipped with log_compress', async () => {
    const count = 40_000;
    const app = setup('log_max_size: 32K\nlog_keep: 3\nlog_compress: true\n', count);
    await startDaemon(app);
    await waitFor(() => LINE.exec(readAll(app, 'gen.log').text.trimEnd().split('\n').pop() ?? '')?.[2] === String(count).padStart(8, '0'), 60_000, 'the last line');
    // The newest rotated file is gzipped once the writer gets to it.
    await waitFor(() => !readdirSync(app.root).includes('gen.log.1'), 10_000, 'gen.log.1 to be compressed');
    const rotated = readdirSync(app.root).filter((f) => /^gen\.log\.\d+/.test(f)).sort();
    assert.deepEqual(rotated, ['gen.log.1.gz', 'gen.log.2.gz', 'gen.log.3.gz']);
    // What is kept is the newest part of the output, whole and in order up to the last line.
    const { text } = readAll(app, 'gen.log');
    const numbers = text.trimEnd().split('\n').map((line) => Number(LINE.exec(line)?.[2]));
    assert.equal(numbers.at(-1), count);
    assert.ok(numbers.every((n, i) => i === 0 || n === (numbers[i - 1] ?? 0) + 1), 'the kept lines are consecutive');
    const writer = writerPid(app);
    await stopAll(app);
    if (writer !== undefined) await waitForDeath(writer, 5000);
  });

  it('log_keep: 0 leaves the file to the instance itself, with no writer in between', async () => {
    const app = setup('log_max_size: 4K\nlog_keep: 0\n', 2000);
    await startDaemon(app);
    await waitFor(() => check(readAll(app, 'gen.log').text, 'G').last === 2000, 20_000, 'all lines');
    assert.deepEqual(readdirSync(app.root).filter((f) => f.startsWith('gen.log.')), []);
    assert.equal(writerPid(app), undefined);
    await stopAll(app);
  });

  it('keeps the application writing and rotating after the supervisor is killed, and under the next one', async () => {
    const app = setup('log_max_size: 8K\nlog_keep: 1000\n', 0, 5);
    await startDaemon(app);
    const [instance] = await waitForRunning(app, 'gen', 1);
    const supervisor = readPid(app.path('pids', 'procodile.pid'));
    const pid = instance?.pid;
    assert.ok(supervisor !== undefined && typeof pid === 'number');
    const rotations = (): number => readdirSync(app.root).filter((f) => f.startsWith('gen.log.')).length;
    await waitFor(() => rotations() >= 2, 20_000, 'a first rotation');
    process.kill(supervisor, 'SIGKILL');
    await waitForDeath(supervisor);
    const atKill = rotations();
    // Without a supervisor the application is neither blocked nor killed: its output still
    // reaches the log, and the writer still rotates it.
    await waitFor(() => rotations() >= atKill + 3, 20_000, 'rotations with no supervisor');
    assert.ok(isAlive(pid), 'the instance outlived the supervisor');
    await startDaemon(app);
    const [adopted] = await waitForRunning(app, 'gen', 1);
    assert.equal(adopted?.pid, pid);
    const afterRestart = rotations();
    await waitFor(() => rotations() >= afterRestart + 2, 20_000, 'rotations under the new supervisor');
    const writer = writerPid(app);
    await stopAll(app);
    const { text } = readAll(app, 'gen.log');
    const counted = check(text, 'G');
    assert.deepEqual({ ...counted, last: counted.last > 0 }, { last: true, lost: 0, torn: 0, duplicated: 0, reordered: 0 });
    if (writer !== undefined) await waitForDeath(writer, 5000);
  });

  it('rotates procodile.log too, and refuses a log_max_size it cannot read', async () => {
    const bad = newApp({ Procfile: 'web: sleep 1000\n', 'Procfile.options': 'log_max_size: lots\n' });
    const refused = await cli(bad, ['start']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /log_max_size must be a size of at least 1024 bytes such as 50M/);

    const app = newApp({ Procfile: 'web: sleep 1000\n', 'Procfile.options': 'log_max_size: 1K\nlog_keep: 2\nprocesses:\n  web:\n    quantity: 12\n' });
    await startDaemon(app);
    await waitForRunning(app, 'web', 12);
    // Each start says two lines: twelve instances take procodile.log past 1K.
    await waitFor(() => readdirSync(app.root).includes('procodile.log.1'), 10_000, 'procodile.log.1');
    const writer = writerPid(app);
    await stopAll(app);
    if (writer !== undefined) await waitForDeath(writer, 5000);
    const all = readAll(app, 'procodile.log').text;
    assert.match(all, /Stopped Procodile supervisor/);
    for (const line of all.trimEnd().split('\n')) assert.match(line, /^\d\d:\d\d:\d\d \S+\s+\| /, 'no torn supervisor line');
  });
});
