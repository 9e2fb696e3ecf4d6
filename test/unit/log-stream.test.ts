// The supervisor's connections to the log writer: each instance's stream carries its header
// first, and the connection for the next start is made ahead (src/logging/log-stream.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openLogStream } from '../../src/logging/log-stream.js';
import { waitFor } from '../helpers/app.js';

const ROTATION = { maxSize: 1024 * 1024, keep: 2, compress: false };

interface FakeWriter {
  server: Server;
  /** Every connection accepted, with what it sent so far and whether it has ended. */
  connections: { socket: Socket; received: string; ended: boolean }[];
}

function fakeWriter(path: string): Promise<FakeWriter> {
  const writer: FakeWriter = { server: createServer(), connections: [] };
  writer.server.on('connection', (socket) => {
    const entry = { socket, received: '', ended: false };
    writer.connections.push(entry);
    socket.on('data', (d: Buffer) => (entry.received += d.toString()));
    socket.on('close', () => (entry.ended = true));
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => writer.server.listen(path, () => resolve(writer)));
}

describe('log streams', () => {
  const dir = mkdtempSync('/tmp/pc-ls-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('hands out a connection made ahead, and closes one nobody takes', async () => {
    const socketPath = join(dir, 'a.sock');
    const writer = await fakeWriter(socketPath);
    try {
      const request = (name: string) => ({ socketPath, path: join(dir, name), rotation: ROTATION, writerLogPath: join(dir, 'procodile.log') });
      const first = await openLogStream(request('one.log'), { moreToCome: true });
      assert.ok(first.ok);
      // The first stream and a spare for the next start.
      await waitFor(() => writer.connections.length === 2, 2000, 'the spare connection');
      const second = await openLogStream(request('two.log'), { moreToCome: true });
      assert.ok(second.ok);
      await waitFor(() => writer.connections.length === 3, 2000, 'the next spare connection');
      first.stream.end('from one\n');
      second.stream.end('from two\n');
      await waitFor(() => writer.connections[1]?.received.includes('from two'), 2000, 'the second stream');
      assert.match(writer.connections[0]?.received ?? '', /^\{"path":"[^"]*one\.log".*\}\nfrom one\n$/);
      assert.match(writer.connections[1]?.received ?? '', /^\{"path":"[^"]*two\.log".*\}\nfrom two\n$/, 'the second stream went through the spare');
      // The spare left over is closed without a word once it has waited long enough.
      await waitFor(() => writer.connections[2]?.ended === true, 5000, 'the unused spare to be closed');
      assert.equal(writer.connections[2]?.received, '');
    } finally {
      writer.server.close();
    }
  });

  it('connects afresh when the spare died with its writer', async () => {
    const socketPath = join(dir, 'b.sock');
    let writer = await fakeWriter(socketPath);
    const request = { socketPath, path: join(dir, 'x.log'), rotation: ROTATION, writerLogPath: join(dir, 'procodile.log') };
    const first = await openLogStream(request, { moreToCome: true });
    assert.ok(first.ok);
    first.stream.destroy();
    await waitFor(() => writer.connections.length === 2, 2000, 'the spare connection');
    // The writer goes, and a new one takes its place at the same path.
    for (const c of writer.connections) c.socket.destroy();
    await new Promise<void>((resolve) => writer.server.close(() => resolve()));
    writer = await fakeWriter(socketPath);
    try {
      const next = await openLogStream(request, { moreToCome: true });
      assert.ok(next.ok, next.ok ? '' : next.message);
      next.stream.end('after the restart\n');
      await waitFor(() => writer.connections.some((c) => c.received.includes('after the restart')), 2000, 'the stream to reach the new writer');
    } finally {
      for (const c of writer.connections) c.socket.destroy();
      writer.server.close();
    }
  });
});
