// The proxy's choices, on real loopback sockets: the instance with the fewest open
// connections, a refused connection retried on another instance, and draining a leaving one.
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { TcpProxy, type ProxyTarget } from '../../src/proxy/tcp-proxy.js';
import { definition } from '../helpers/fixtures.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A server that keeps every connection open and answers with its name on each. */
async function backend(name: string): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.write(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0, sockets };
}

/** A port nothing listens on: connecting is refused. */
async function refusedPort(): Promise<number> {
  const { port } = await backend('gone');
  await closers.pop()?.();
  return port;
}

async function proxyTo(targets: () => ProxyTarget[]): Promise<{ proxy: TcpProxy; port: number }> {
  const free = await refusedPort();
  const proxy = new TcpProxy({
    logger: { log: () => undefined },
    targets,
    onBindFailed: (_n, _a, message) => assert.fail(message),
    onBindSucceeded: () => undefined,
    random: () => 0,
  });
  await proxy.sync([definition({ name: 'web', proxyPort: free, proxyAddress: '127.0.0.1' })]);
  closers.push(() => proxy.close());
  return { proxy, port: free };
}

/** Connects through the proxy and returns the socket and the first thing it reads. */
function through(port: number): Promise<{ socket: Socket; greeting: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    closers.push(() => Promise.resolve(void socket.destroy()));
    socket.once('data', (data) => resolve({ socket, greeting: data.toString() }));
    socket.once('close', () => reject(new Error('closed before any data')));
    socket.once('error', reject);
  });
}

describe('tcp proxy', () => {
  it('tries another instance when one refuses, before the client sees anything', async () => {
    const live = await backend('b');
    const refused = await refusedPort();
    const { port } = await proxyTo(() => [
      { description: 'web.1', port: refused },
      { description: 'web.2', port: live.port },
    ]);
    for (let n = 0; n < 5; n += 1) assert.equal((await through(port)).greeting, 'b');
  });

  it('sends each connection to the instance with the fewest open ones', async () => {
    const a = await backend('a');
    const b = await backend('b');
    const { port } = await proxyTo(() => [
      { description: 'web.1', port: a.port },
      { description: 'web.2', port: b.port },
    ]);
    const greetings: string[] = [];
    for (let n = 0; n < 4; n += 1) greetings.push((await through(port)).greeting);
    assert.deepEqual(greetings, ['a', 'b', 'a', 'b']);
  });

  it('drains: resolves once the leaving instance has no connection left', async () => {
    const a = await backend('a');
    const target = { description: 'web.1', port: a.port };
    const { proxy, port } = await proxyTo(() => [target]);
    assert.equal(proxy.drain(target, 5000), undefined, 'nothing to drain');
    const { socket } = await through(port);
    let drained = false;
    const draining = proxy.drain(target, 5000)?.then(() => (drained = true));
    assert.ok(draining !== undefined);
    // A few turns of the event loop, not the clock: a drain that ignored the open connection
    // would have settled by then.
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false, 'still serving a connection');
    socket.destroy();
    await draining;
    assert.equal(proxy.openConnections(target), 0);
  });
});
