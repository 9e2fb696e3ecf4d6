// The TCP proxy (spec 11): one listener per process with a proxy_port, handing each
// connection to a random running instance of that process on its assigned port.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ProcessDefinition } from '../config/types.js';
import type { Logger } from '../logging/logger.js';

export interface ProxyTarget {
  description: string;
  port: number;
}

export interface ProxyHost {
  logger: Logger;
  /** Instances of the process that may take a connection: running, not stopping, with a port. */
  targets(processName: string): ProxyTarget[];
  /** A listener could not be opened (D7: say which address, keep running). */
  onBindFailed(processName: string, address: string, message: string): void;
  onBindSucceeded(processName: string): void;
  random?: () => number;
}

interface Listener {
  address: string;
  port: number;
  server: Server;
}

export class TcpProxy {
  readonly #host: ProxyHost;
  readonly #listeners = new Map<string, Listener>();
  readonly #sockets = new Set<Socket>();

  constructor(host: ProxyHost) {
    this.#host = host;
  }

  #log(message: string): void {
    this.#host.logger.log('proxy', message);
  }

  /** Opens, re-binds or closes listeners to match the proxied processes. */
  async sync(definitions: ProcessDefinition[]): Promise<void> {
    const wanted = new Map<string, { address: string; port: number }>();
    for (const d of definitions) {
      if (d.proxyPort !== undefined) wanted.set(d.name, { address: d.proxyAddress ?? '127.0.0.1', port: d.proxyPort });
    }
    for (const [name, listener] of [...this.#listeners]) {
      const want = wanted.get(name);
      if (want?.address === listener.address && want.port === listener.port) continue;
      await this.#close(name, listener);
      if (want === undefined) this.#log(`Stopped proxy listener for ${name}`);
    }
    for (const [name, want] of wanted) {
      if (!this.#listeners.has(name)) await this.#open(name, want.address, want.port);
    }
  }

  async #open(name: string, address: string, port: number): Promise<void> {
    const server = createServer((client) => this.#handle(name, client));
    const where = `${address}:${port}`;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the address is already in use' : (error as Error).message;
      this.#log(`Could not listen on ${where} for ${name}: ${reason}`);
      this.#host.onBindFailed(name, where, reason);
      return;
    }
    this.#listeners.set(name, { address, port, server });
    this.#host.onBindSucceeded(name);
    this.#log(`Proxying traffic on ${where} to ${name}`);
  }

  #close(name: string, listener: Listener): Promise<void> {
    this.#listeners.delete(name);
    return new Promise((resolve) => listener.server.close(() => resolve()));
  }

  #handle(name: string, client: Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    const targets = this.#host.targets(name);
    if (targets.length === 0) {
      this.#log(`There are no processes running for ${name}`);
      client.destroy();
      return;
    }
    const target = targets[Math.floor((this.#host.random ?? Math.random)() * targets.length)] ?? targets[0];
    if (target === undefined) return;
    const upstream = connect(target.port, '127.0.0.1');
    this.#sockets.add(upstream);
    upstream.on('close', () => this.#sockets.delete(upstream));
    upstream.once('error', () => {
      this.#log(`Could not connect to ${target.description}:${target.port}`);
      client.destroy();
      upstream.destroy();
    });
    upstream.once('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  listening(name: string): string | undefined {
    const listener = this.#listeners.get(name);
    return listener === undefined ? undefined : `${listener.address}:${listener.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all([...this.#listeners].map(([name, listener]) => this.#close(name, listener)));
  }
}
