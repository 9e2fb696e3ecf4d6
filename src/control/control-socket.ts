// The supervisor's listening socket, kept where clients look for it. When the socket file is
// deleted (a careless `rm pids/*`, a tidy-up script), clients can no longer reach a supervisor
// that still runs; SIGHUP brings the file back (README: control socket).
import { lstatSync } from 'node:fs';
import type { Server } from 'node:net';
import type { Logger } from '../logging/logger.js';
import { ReplyOutbox, startControlServer, type RequestHandler } from './server.js';

function identity(path: string): string | undefined {
  try {
    const stat = lstatSync(path);
    return stat.isSocket() ? `${stat.dev}:${stat.ino}` : undefined;
  } catch {
    return undefined;
  }
}

export class ControlSocket {
  #server: Server;
  #identity: string | undefined;
  readonly #outbox: ReplyOutbox;

  private constructor(
    server: Server,
    readonly sockPath: string,
    readonly handle: RequestHandler,
    readonly logger: Logger,
    outbox: ReplyOutbox,
  ) {
    this.#server = server;
    this.#outbox = outbox;
    this.#identity = identity(sockPath);
  }

  static async open(sockPath: string, handle: RequestHandler, logger: Logger): Promise<ControlSocket> {
    const outbox = new ReplyOutbox();
    return new ControlSocket(await startControlServer(sockPath, handle, logger, outbox), sockPath, handle, logger, outbox);
  }

  /** Listens anew when the socket file is gone or is no longer the one we listen on. */
  async restore(): Promise<void> {
    if (this.#identity !== undefined && identity(this.sockPath) === this.#identity) return;
    this.logger.log('control', `The control socket ${this.sockPath} was removed or replaced; listening there again`);
    // Closing a unix socket server unlinks its path, so the old one goes first: closed after
    // the new one listened, it would delete the new file. Its open connections still finish.
    this.#server.close();
    try {
      this.#server = await startControlServer(this.sockPath, this.handle, this.logger, this.#outbox);
      this.#identity = identity(this.sockPath);
    } catch (error) {
      this.logger.log('control', `Cannot listen at ${this.sockPath}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  close(): void {
    this.#server.close();
  }

  /** Waits (up to `timeoutMs`) for the replies still on their way to their clients. */
  repliesSent(timeoutMs: number): Promise<void> {
    return this.#outbox.flushed(timeoutMs);
  }
}
