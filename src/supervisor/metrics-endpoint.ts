// The HTTP listener of metrics_address: GET /metrics (or /) answers with the text format, on
// the address the user chose. A bind failure is reported, never fatal: the supervisor goes on.
import type { Server } from 'node:http';
import { httpModule } from '../on-demand-builtins.js';
import { formatListenAddress, type ListenAddress } from '../config/listen-address.js';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/**
 * Open connections the endpoint keeps; more are closed as soon as they arrive. Any local user
 * can connect to a loopback port: without a bound, a flood of idle connections would use up
 * the supervisor's descriptors, and with them its control socket and every respawn.
 */
export const METRICS_MAX_CONNECTIONS = 32;
/** How often connections that have not finished sending a request are looked at. */
const CONNECTIONS_CHECK_MS = 1000;
/** A connection that has not sent its request headers by then is closed (checked every second). */
const HEADERS_TIMEOUT_MS = 2000;
/** The whole request, body included (a GET has none). */
const REQUEST_TIMEOUT_MS = 3000;

export interface MetricsEndpointHost {
  render(): string;
  onListening(address: string): void;
  onBindFailed(address: string, reason: string): void;
}

export class MetricsEndpoint {
  readonly #host: MetricsEndpointHost;
  #server?: Server;
  #address?: string;

  constructor(host: MetricsEndpointHost) {
    this.#host = host;
  }

  /** Listens on `address` (closing the old listener when it changed); none closes it. */
  async sync(address: ListenAddress | undefined): Promise<void> {
    const wanted = address === undefined ? undefined : formatListenAddress(address);
    if (wanted === this.#address && (this.#server !== undefined || wanted === undefined)) return;
    await this.close();
    if (address === undefined || wanted === undefined) return;
    this.#address = wanted;
    const server = httpModule().createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_MS }, (request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      if (path !== '/metrics' && path !== '/') {
        response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
        return;
      }
      let body: string;
      try {
        body = this.#host.render();
      } catch (error) {
        response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${(error as Error).message}\n`);
        return;
      }
      response.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
    // Slow or idle clients must not hold sockets open for long: with few connections kept, a
    // local user who reconnects just before each is let go could otherwise keep every one.
    // A scrape is one small GET, sent at once by any real client.
    server.headersTimeout = HEADERS_TIMEOUT_MS;
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    server.keepAliveTimeout = HEADERS_TIMEOUT_MS;
    // A client that stops reading a response is let go too.
    server.timeout = 5_000;
    server.maxConnections = METRICS_MAX_CONNECTIONS;
    await new Promise<void>((resolve) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        this.#host.onBindFailed(wanted, error.code ?? error.message);
        this.#server = undefined;
        resolve();
      });
      server.listen({ host: address.host, port: address.port }, () => {
        this.#server = server;
        this.#host.onListening(wanted);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#address = undefined;
    if (server === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
