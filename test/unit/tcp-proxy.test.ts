// The TCP proxy on loopback: connections reach an instance, failures are logged, listeners
// follow the configuration.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import type { Logger } from '../../src/logging/logger.js';
import { TcpProxy, type ProxyTarget } from '../../src/proxy/tcp-proxy.js';
import { waitFor } from '../helpers/app.js';
import { definition } from '../helpers/fixtures.js';
import { freePort, readAll } from '../helpers/tcp.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function echoServer(reply: string): Promise<{ port: number; server: Server }> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.end(reply));
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      cleanups.push(() => new Promise((r) => server.close(() => r())));
      resolve({ port: typeof address === 'object' && address !== null ? address.port : 0, server });
    });
  });
}



function setup(targets: Map<string, ProxyTarget[]>) {
  const lines: string[] = [];
  const failures: string[] = [];
  const logger: Logger = { log: (_source, message) => lines.push(message) };
  const proxy = new TcpProxy({
    logger,
    targets: (name) => targets.get(name) ?? [],
    onBindFailed: (name, address) => failures.push(`${name}@${address}`),
    onBindSucceeded: () => undefined,
  });
  cleanups.push(() => proxy.close());
  return { proxy, lines, failures };
}

describe('TcpProxy', () => {
  it('forwards a connection to a running instance', async () => {
    const { port } = await echoServer('pong');
    const proxyPort = await freePort();
    const { proxy, lines } = setup(new Map([['web', [{ description: 'web.1', port }]]]));
    await proxy.sync([definition({ name: 'web', proxyPort, proxyAddress: '127.0.0.1' })]);
    assert.equal(proxy.listening('web'), `127.0.0.1:${proxyPort}`);
    assert.equal(await readAll(proxyPort), 'pong');
    assert.ok(lines.includes(`Proxying traffic on 127.0.0.1:${proxyPort} to web`));
  });

  it('closes the connection and says why when no instance can take it', async () => {
    const proxyPort = await freePort();
    const deadPort = await freePort();
    const targets = new Map<string, ProxyTarget[]>();
    const { proxy, lines } = setup(targets);
    await proxy.sync([definition({ name: 'web', proxyPort })]);
    assert.equal(await readAll(proxyPort), '');
    await waitFor(() => lines.includes('There are no processes running for web'), 2000, 'the log line');
    targets.set('web', [{ description: 'web.1', port: deadPort }]);
    assert.equal(await readAll(proxyPort), '');
    await waitFor(() => lines.includes(`Could not connect to web.1:${deadPort}`), 2000, 'the log line');
  });

  it('reports an address in use and keeps going; drops listeners no longer configured', async () => {
    const { server } = await echoServer('taken');
    const address = server.address();
    const taken = typeof address === 'object' && address !== null ? address.port : 0;
    const free = await freePort();
    const { proxy, failures, lines } = setup(new Map());
    await proxy.sync([definition({ name: 'web', proxyPort: taken }), definition({ name: 'api', proxyPort: free })]);
    assert.deepEqual(failures, [`web@127.0.0.1:${taken}`]);
    assert.equal(proxy.listening('api'), `127.0.0.1:${free}`);
    await proxy.sync([definition({ name: 'web', proxyPort: taken })]);
    assert.equal(proxy.listening('api'), undefined);
    assert.ok(lines.includes('Stopped proxy listener for api'));
  });
});
