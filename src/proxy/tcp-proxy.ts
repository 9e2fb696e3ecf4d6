// The TCP proxy (README, "Zero-downtime deploys"): one listener per process with a
// proxy_port, handing each connection to the ready instance with the fewest open connections.
// A connection an instance refuses is tried on the next one before the client sees anything,
// and an instance that leaves can be drained: its connections may finish before it is stopped.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ProcessDefinition } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import { ConnectionBudget } from './connection-budget.js';

export interface ProxyTarget {
  description: string;
  port: number;
}

export interface ProxyHost {
  logger: Logger;
  /** Instances of the process that may take a connection: ready, not leaving, with a port. */
  targets(processName: string): ProxyTarget[];
  /** A listener could not be opened (D7: say which address, keep running). */
  onBindFailed(processName: string, address: string, message: string): void;
  onBindSucceeded(processName: string): void;
  random?: () => number;
  /** The descriptor limit to share with the rest of the supervisor (default: this process's). */
  openFilesLimit?: number;
  /** How long a connection to an instance may take before the next instance is tried. */
  connectTimeoutMs?: number;
  /** Opens a connection to an instance's port (tests hand in one that never completes). */
  connectTo?: (port: number) => Socket;
}

const CONNECT_TIMEOUT_MS = 5_000;

interface Listener {
  address: string;
  port: number;
  server: Server;
}

/** One client connection and the connection to an instance made for it, if any. */
interface Connection {
  client: Socket;
  upstream: Socket | undefined;
  clientClosed: boolean;
  /** Its slot in the connection limit has been given back. */
  released: boolean;
}

interface Drain {
  resolve: () => void;
  timer: NodeJS.Timeout;
}

const keyOf = (target: ProxyTarget): string => `${target.description}:${target.port}`;
const connectToInstance = (port: number): Socket => connect({ port, host: '127.0.0.1', noDelay: true });

export class TcpProxy {
  readonly #host: ProxyHost;
  readonly #listeners = new Map<string, Listener>();
  readonly #sockets = new Set<Socket>();
  /** Open connections per instance (description:port). */
  readonly #open = new Map<string, number>();
  readonly #drains = new Map<string, Drain[]>();
  readonly #budget: ConnectionBudget;
  readonly #connectTimeoutMs: number;

  constructor(host: ProxyHost) {
    this.#host = host;
    this.#budget = new ConnectionBudget(host.openFilesLimit);
    this.#connectTimeoutMs = host.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
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
      if (!this.#listeners.has(name)) await this.#openListener(name, want.address, want.port);
    }
  }

  async #openListener(name: string, address: string, port: number): Promise<void> {
    // Small request/response writes must not wait for Nagle's algorithm on either leg.
    const server = createServer({ noDelay: true }, (client) => this.#handle(name, client));
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

  /** The target with the fewest open connections among those not tried yet; ties at random. */
  #choose(targets: ProxyTarget[], tried: Set<string>): ProxyTarget | undefined {
    const left = targets.filter((t) => !tried.has(keyOf(t)));
    if (left.length === 0) return undefined;
    const fewest = Math.min(...left.map((t) => this.#open.get(keyOf(t)) ?? 0));
    const best = left.filter((t) => (this.#open.get(keyOf(t)) ?? 0) === fewest);
    return best[Math.floor((this.#host.random ?? Math.random)() * best.length)] ?? best[0];
  }

  #handle(name: string, client: Socket): void {
    if (!this.#budget.take()) {
      client.on('error', () => undefined);
      client.destroy();
      const line = this.#budget.refused(name, Date.now());
      if (line !== undefined) this.#log(line);
      return;
    }
    const connection: Connection = { client, upstream: undefined, clientClosed: false, released: false };
    this.#sockets.add(client);
    client.on('close', () => {
      connection.clientClosed = true;
      this.#sockets.delete(client);
      // A connection to an instance still being made is given up with its client: its slot
      // is free only once both sockets are closed.
      if (connection.upstream === undefined) this.#release(connection);
      else connection.upstream.destroy();
    });
    client.on('error', () => client.destroy());
    // Nothing is read from the client until an instance accepted: what it sends meanwhile
    // stays buffered, so a refused attempt can be retried elsewhere without losing a byte.
    client.pause();
    this.#attempt(name, connection, new Set());
  }

  #release(connection: Connection): void {
    if (connection.released) return;
    connection.released = true;
    this.#budget.give();
  }

  #attempt(name: string, connection: Connection, tried: Set<string>): void {
    const { client } = connection;
    if (client.destroyed) return;
    const target = this.#choose(this.#host.targets(name), tried);
    if (target === undefined) {
      this.#log(tried.size === 0 ? `There are no processes running for ${name}` : `No instance of ${name} accepted the connection`);
      client.destroy();
      return;
    }
    const key = keyOf(target);
    tried.add(key);
    this.#count(key, 1);
    const upstream = (this.#host.connectTo ?? connectToInstance)(target.port);
    connection.upstream = upstream;
    this.#sockets.add(upstream);
    let connected = false;
    let counted = true;
    let timedOut = false;
    // An instance whose accept queue is full (busy, or stopped with SIGSTOP) leaves the
    // connection pending for minutes; the next instance gets it instead.
    const timer = setTimeout(() => {
      timedOut = true;
      upstream.destroy(new Error('timed out'));
    }, this.#connectTimeoutMs);
    const release = (): void => {
      if (!counted) return;
      counted = false;
      this.#count(key, -1);
    };
    upstream.once('close', () => {
      clearTimeout(timer);
      this.#sockets.delete(upstream);
      release();
      if (connection.upstream === upstream) {
        connection.upstream = undefined;
        if (connection.clientClosed) this.#release(connection);
      }
      if (connected) client.destroy();
    });
    upstream.on('error', () => {
      if (connected) return;
      clearTimeout(timer);
      upstream.destroy();
      release();
      if (connection.clientClosed) return;
      // The client has seen nothing yet: the next instance gets the connection instead.
      this.#log(`Could not connect to ${target.description}:${target.port}${timedOut ? ' (timed out)' : ''}`);
      connection.upstream = undefined;
      this.#attempt(name, connection, tried);
    });
    upstream.once('connect', () => {
      clearTimeout(timer);
      connected = true;
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  #count(key: string, delta: number): void {
    const now = (this.#open.get(key) ?? 0) + delta;
    if (now > 0) {
      this.#open.set(key, now);
      return;
    }
    this.#open.delete(key);
    for (const drain of this.#drains.get(key) ?? []) {
      clearTimeout(drain.timer);
      drain.resolve();
    }
    this.#drains.delete(key);
  }

  /**
   * Resolves once the instance has no proxied connection open, or after `timeoutMs`;
   * undefined when it has none now. The caller has already taken it out of the targets.
   */
  drain(target: ProxyTarget, timeoutMs: number): Promise<void> | undefined {
    const key = keyOf(target);
    if ((this.#open.get(key) ?? 0) === 0) return undefined;
    return new Promise((resolve) => {
      const drain: Drain = {
        resolve,
        timer: setTimeout(() => {
          this.#drains.set(key, (this.#drains.get(key) ?? []).filter((d) => d !== drain));
          resolve();
        }, timeoutMs),
      };
      this.#drains.set(key, [...(this.#drains.get(key) ?? []), drain]);
    });
  }

  /** Open connections to one instance, for status. */
  openConnections(target: ProxyTarget): number {
    return this.#open.get(keyOf(target)) ?? 0;
  }

  listening(name: string): string | undefined {
    const listener = this.#listeners.get(name);
    return listener === undefined ? undefined : `${listener.address}:${listener.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    for (const drains of this.#drains.values()) {
      for (const drain of drains) {
        clearTimeout(drain.timer);
        drain.resolve();
      }
    }
    this.#drains.clear();
    await Promise.all([...this.#listeners].map(([name, listener]) => this.#close(name, listener)));
  }
}
