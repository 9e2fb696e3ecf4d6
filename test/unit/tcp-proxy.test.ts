// The TCP proxy on loopback: connections reach an instance, failures are logged, listeners
// follow the configuration.
import assert from 'node:assert/strict';
import { connect, createServer, Socket, type Server } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import type { Logger } from '../../src/logging/logger.js';
import { parseOpenFilesLimit } from '../../src/proc/descriptor-limit.js';
import { PROXY_MAX_CONNECTIONS, proxyConnectionLimit } from '../../src/proxy/connection-budget.js';
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



function setup(targets: Map<string, ProxyTarget[]>, openFilesLimit?: number, connectTimeoutMs?: number, connectTo?: (port: number) => Socket) {
  const lines: string[] = [];
  const failures: string[] = [];
  const logger: Logger = { log: (_source, message) => lines.push(message) };
  const proxy = new TcpProxy({
    logger,
    targets: (name) => targets.get(name) ?? [],
    onBindFailed: (name, address) => failures.push(`${name}@${address}`),
    onBindSucceeded: () => undefined,
    ...(openFilesLimit === undefined ? {} : { openFilesLimit }),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    ...(connectTo === undefined ? {} : { connectTo }),
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

describe('the proxy connection limit', () => {
  it('is half of what is left of the descriptor limit after a reserve of a quarter, at least 128', () => {
    assert.equal(proxyConnectionLimit(1024), (1024 - 256) / 2);
    assert.equal(proxyConnectionLimit(200), 36);
    assert.equal(proxyConnectionLimit(100), 1);
    assert.equal(proxyConnectionLimit(undefined), PROXY_MAX_CONNECTIONS);
    assert.equal(proxyConnectionLimit(524288), PROXY_MAX_CONNECTIONS, 'memory, not descriptors, bounds a high limit');
  });

  it('reads the soft limit from /proc/PID/limits', () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             63445                63445                processes ',
      'Max open files            1024                 524288               files     ',
    ].join('\n');
    assert.equal(parseOpenFilesLimit(limits), 1024);
    assert.equal(parseOpenFilesLimit(limits.replace('1024  ', 'unlimited')), undefined);
    assert.equal(parseOpenFilesLimit('nothing here'), undefined);
  });

  it('refuses connections beyond the limit, says so once, and takes them again when some close', async () => {
    // An instance that keeps every connection open until the test lets it go.
    const held = new Set<Socket>();
    const server = createServer((socket) => {
      held.add(socket);
      socket.write('hi');
    });
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      }),
    );
    cleanups.push(() => new Promise((r) => {
      for (const socket of held) socket.destroy();
      server.close(() => r());
    }));
    const proxyPort = await freePort();
    // 132 descriptors: 128 kept for the supervisor, room for two proxied connections.
    const { proxy, lines } = setup(new Map([['web', [{ description: 'web.1', port }]]]), 132);
    await proxy.sync([definition({ name: 'web', proxyPort, proxyAddress: '127.0.0.1' })]);
    const open = (): Promise<{ socket: Socket; greeted: Promise<boolean> }> =>
      new Promise((resolve) => {
        const socket = connect(proxyPort, '127.0.0.1', () => {
          const greeted = new Promise<boolean>((done) => {
            socket.once('data', () => done(true));
            socket.once('close', () => done(false));
          });
          resolve({ socket, greeted });
        });
        socket.on('error', () => undefined);
      });
    const first = await open();
    const second = await open();
    assert.equal(await first.greeted, true);
    assert.equal(await second.greeted, true);
    const third = await open();
    const fourth = await open();
    assert.equal(await third.greeted, false, 'a third connection is closed at once');
    assert.equal(await fourth.greeted, false);
    assert.equal(lines.filter((l) => l.startsWith('Refused 1 connection(s) to web: 2 are open')).length, 1, lines.join('\n'));
    first.socket.destroy();
    const again = await waitFor(async () => {
      const next = await open();
      if (await next.greeted) return next;
      return undefined;
    }, 3000, 'a connection taken again');
    again.socket.destroy();
    second.socket.destroy();
  });

  it('gives up a connection to an instance that never accepts: at its timeout, or when the client leaves', async () => {
    // Connections to an instance whose accept queue is full stay pending for minutes: here,
    // sockets that are never connected.
    const made: Socket[] = [];
    const never = (): Socket => {
      const socket = new Socket();
      made.push(socket);
      return socket;
    };
    const targets = new Map([['web', [{ description: 'web.1', port: 1 }]]]);
    const hurried = await freePort();
    const first = setup(targets, undefined, 300, never);
    await first.proxy.sync([definition({ name: 'web', proxyPort: hurried, proxyAddress: '127.0.0.1' })]);
    // A client that waits: the proxy gives up at its timeout and closes it.
    assert.equal(await readAll(hurried), '');
    assert.ok(first.lines.includes('Could not connect to web.1:1 (timed out)'), first.lines.join('\n'));
    assert.ok(made[0]?.destroyed);

    // A client that leaves: the pending connection goes with it and its slot is free again
    // (132 descriptors leave room for one client at a time).
    const patientPort = await freePort();
    const patient = setup(targets, 132, 60_000, never);
    await patient.proxy.sync([definition({ name: 'web', proxyPort: patientPort, proxyAddress: '127.0.0.1' })]);
    const leaving = connect(patientPort, '127.0.0.1');
    leaving.on('error', () => undefined);
    const upstream = await waitFor(() => made[1], 2000, 'the proxy connecting for the client');
    leaving.destroy();
    await waitFor(() => upstream.destroyed || undefined, 2000, 'the pending connection given up with its client');
    const next = connect(patientPort, '127.0.0.1');
    next.on('error', () => undefined);
    await waitFor(() => made[2], 3000, 'a second client taken after the first left');
    next.destroy();
  });
});
