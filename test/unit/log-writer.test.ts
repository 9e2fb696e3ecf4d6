// The log writer in one process with real sockets and files (src/logging/log-writer.ts,
// rotating-log.ts): output that arrives in pieces is written as whole lines, per connection, in
// order, across rotations, and a line left unfinished is still written once its writer pauses.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LogRotation } from '../../src/config/types.js';
import { LogWriter } from '../../src/logging/log-writer.js';
import { RotatingLog } from '../../src/logging/rotating-log.js';
import { waitFor } from '../helpers/app.js';
import { tempTree } from '../helpers/temp-tree.js';

interface Running {
  writer: LogWriter;
  socketPath: string;
  idle: Promise<void>;
  problems: string[];
}

async function startWriter(dir: string): Promise<Running> {
  let done!: () => void;
  const idle = new Promise<void>((resolve) => (done = resolve));
  const problems: string[] = [];
  const writer = new LogWriter({ report: (message) => problems.push(message), onIdle: () => done() });
  const socketPath = join(dir, 'w.sock');
  await writer.listen(socketPath);
  return { writer, socketPath, idle, problems };
}

function open(socketPath: string, path: string, rotation: LogRotation): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath, () => {
      socket.write(`${JSON.stringify({ path, rotation })}\n`);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Writes `data`, then waits until the writer has taken it (so the next write is a new read). */
function send(socket: Socket, data: string): Promise<void> {
  return new Promise((resolve) => socket.write(data, () => setTimeout(resolve, 1)));
}

/** The rotated files of `path`, oldest first, then `path`: their names and their contents. */
function readRotated(path: string): { name: string; text: string }[] {
  const dir = join(path, '..');
  const base = path.slice(dir.length + 1);
  const numbered = readdirSync(dir)
    .filter((name) => name.startsWith(`${base}.`) && /^\d+$/.test(name.slice(base.length + 1)))
    .sort((a, b) => Number(b.slice(base.length + 1)) - Number(a.slice(base.length + 1)));
  return [...numbered, base].map((name) => ({ name, text: readFileSync(join(dir, name), 'latin1') }));
}

/** A deterministic sequence of piece sizes, so a failure can be replayed. */
function* pieceSizes(seed: number): Generator<number, never> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield 1 + (x % 23);
  }
}

describe('log writer', () => {
  it('writes two instances sharing one file as whole lines, in order, across rotations, from output cut anywhere', async () => {
    const dir = tempTree({});
    const running = await startWriter(dir);
    const path = join(dir, 'web.log');
    const rotation = { maxSize: 97, keep: 1000, compress: false };
    const [a, b] = await Promise.all([open(running.socketPath, path, rotation), open(running.socketPath, path, rotation)]);
    const count = 120;
    // Lines of 10 bytes; every piece cuts somewhere else, so lines cross reads and the size limit mid-line.
    const text = (prefix: string): string => Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(8, '0')}\n`).join('');
    const streams: [Socket, string, Generator<number, never>][] = [
      [a, text('A'), pieceSizes(7)],
      [b, text('B'), pieceSizes(11)],
    ];
    const offsets = [0, 0];
    while (offsets.some((offset, i) => offset < streams[i]![1].length)) {
      for (const [i, [socket, all, sizes]] of streams.entries()) {
        const from = offsets[i]!;
        if (from >= all.length) continue;
        offsets[i] = Math.min(all.length, from + sizes.next().value);
        await send(socket, all.slice(from, offsets[i]));
      }
    }
    a.end();
    b.end();
    await running.idle;

    const files = readRotated(path);
    assert.ok(files.length > 15, `rotated ${files.length - 1} times`);
    const next = { A: 1, B: 1 };
    for (const { name, text: content } of files) {
      assert.ok(content.length <= rotation.maxSize, `${name} holds ${content.length} bytes, more than log_max_size`);
      assert.ok(content.endsWith('\n'), `${name} ends inside a line`);
      for (const line of content.slice(0, -1).split('\n')) {
        const match = /^([AB])(\d{8})$/.exec(line);
        assert.ok(match !== null, `torn line ${JSON.stringify(line)} in ${name}`);
        const source = match[1] as 'A' | 'B';
        assert.equal(Number(match[2]), next[source], `line ${line} of ${source} out of order, lost or duplicated`);
        next[source] += 1;
      }
    }
    assert.deepEqual(next, { A: count + 1, B: count + 1 });
    assert.deepEqual(running.problems, []);
  });

  it('writes a line without its newline once its writer pauses, and the rest after it', async () => {
    const dir = tempTree({});
    const running = await startWriter(dir);
    const path = join(dir, 'app.log');
    const socket = await open(running.socketPath, path, { maxSize: 1024 * 1024, keep: 5, compress: false });
    await send(socket, 'first\nPassword: ');
    await waitFor(() => existsSync(path) && readFileSync(path, 'latin1') === 'first\nPassword: ', 5000, 'the unfinished line in the file');
    await send(socket, 'typed\n');
    socket.end();
    await running.idle;
    assert.equal(readFileSync(path, 'latin1'), 'first\nPassword: typed\n');
  });
});

describe('rotating log', () => {
  it('rotates inside a write that begins with the end of a line held from the read before', () => {
    const dir = tempTree({});
    const path = join(dir, 'gen.log');
    const log = new RotatingLog(path, { maxSize: 64, keep: 3, compress: false }, (message) => assert.fail(message));
    const line = (n: number): string => `L${String(n).padStart(8, '0')}\n`;
    log.append(Buffer.from(line(1) + line(2) + line(3) + line(4) + line(5)));
    // 50 bytes so far: line 6 fits (60), line 7 would make 70, so the file rotates between them.
    log.append(Buffer.from(`${line(6).slice(4)}${line(7)}${line(8)}`), Buffer.from(line(6).slice(0, 4)));
    // A line begun in one read and ended in the next, crossing the limit of the new file.
    log.append(Buffer.from(line(9) + line(10) + line(11) + line(12)), Buffer.alloc(0));
    log.append(Buffer.from(line(13).slice(3)), Buffer.from(line(13).slice(0, 3)));
    void log.close();
    assert.equal(readFileSync(`${path}.2`, 'latin1'), [1, 2, 3, 4, 5, 6].map(line).join(''));
    assert.equal(readFileSync(`${path}.1`, 'latin1'), [7, 8, 9, 10, 11, 12].map(line).join(''));
    assert.equal(readFileSync(path, 'latin1'), line(13));
    assert.ok(statSync(`${path}.1`).size <= 64);
  });
});
