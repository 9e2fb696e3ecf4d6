// The supervisor's side of the control socket: reads request lines, answers each with one
// reply line, and survives any garbage a client sends (D11).
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { ProcodileError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { MAX_REQUEST_BYTES, parseRequest, type CommandName, type Request } from './protocol.js';
import { socketAddress } from './socket-address.js';

export type RequestHandler = (request: Request) => Promise<unknown>;

/**
 * Replies written but not yet taken by the kernel. A large one (the stop reply of thousands of
 * instances) leaves in pieces as the client reads it, and a supervisor that exits meanwhile
 * would cut it short: the runner waits for these first.
 */
export class ReplyOutbox {
  #unsent = 0;
  #waiters: (() => void)[] = [];

  /** A write whose callback has not run yet. */
  track(): () => void {
    this.#unsent += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#unsent -= 1;
      if (this.#unsent === 0) for (const wake of this.#waiters.splice(0)) wake();
    };
  }

  /** Resolves once every reply has gone (or its client has), or after `timeoutMs`. */
  flushed(timeoutMs: number): Promise<void> {
    if (this.#unsent === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function serve(socket: Socket, handle: RequestHandler, logger: Logger, outbox: ReplyOutbox): void {
  let buffered = '';
  // Replies go out in request order even when a later request finishes first.
  let chain: Promise<void> = Promise.resolve();
  const reply = (line: string): void => {
    if (socket.destroyed || !socket.writable) return;
    const sent = outbox.track();
    socket.once('close', sent);
    socket.write(`${line}\n`, () => {
      socket.off('close', sent);
      sent();
    });
  };
  // Nothing a client sends may end the supervisor (D11): each step of the chain settles,
  // whatever a request or a write does.
  const then = (step: () => void | Promise<void>): void => {
    chain = chain.then(step).catch((error: unknown) => {
      logger.log('control', `Error answering a request: ${describe(error)}`);
      socket.destroy();
    });
  };
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    try {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline).replace(/\r$/, '');
        buffered = buffered.slice(newline + 1);
        // Every line gets its reply, an empty one too (D11): a client waiting on it must not hang.
        then(() =>
          line.trim() === '' ? reply('400 An empty line is not a request; send `command {json}`') : answer(line, handle, logger).then(reply),
        );
      }
      if (buffered.length > MAX_REQUEST_BYTES) {
        buffered = '';
        then(() => {
          reply(`400 Request larger than ${MAX_REQUEST_BYTES} bytes`);
          socket.end();
        });
      }
    } catch (error) {
      logger.log('control', `Error reading a request: ${describe(error)}`);
      socket.destroy();
    }
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * A reply is one line (as in Procodile). A configuration error's quoted source line and caret mean
 * nothing once joined into one line, so they are left out; the location and hint stay.
 */
export function oneLine(message: string): string {
  const lines = message.split('\n');
  const caret = lines.findIndex((line) => /^\s*\^+\s*$/.test(line));
  const kept = caret > 0 ? [...lines.slice(0, caret - 1), ...lines.slice(caret + 1)] : lines;
  return kept.join(' ');
}

async function answer(line: string, handle: RequestHandler, logger: Logger): Promise<string> {
  let command: CommandName | undefined;
  try {
    const request = parseRequest(line);
    if (!request.ok) return `${request.code} ${request.message}`;
    command = request.command;
    const result = await handle(request);
    return `200 ${JSON.stringify(result)}`;
  } catch (error) {
    if (error instanceof ProcodileError) return `500 ${oneLine(error.message)}`;
    const what = command ?? 'a request';
    logger.log('control', `Error handling ${what}: ${describe(error)}`);
    return `500 Internal error while handling ${what}: ${oneLine(error instanceof Error ? error.message : String(error))}`;
  }
}

export async function startControlServer(
  sockPath: string,
  handle: RequestHandler,
  logger: Logger,
  outbox = new ReplyOutbox(),
): Promise<Server> {
  rmSync(sockPath, { force: true });
  const { address, release } = socketAddress(sockPath);
  const server = createServer((socket) => serve(socket, handle, logger, outbox));
  // A failed accept (too many open files) is the server's error, not the supervisor's end.
  server.on('error', (error) => logger.log('control', `Control socket error: ${describe(error)}`));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Only the owner may drive the supervisor (README.md): the socket is born 0600, as
      // listen() binds before it returns, so there is no moment to connect to it and no chmod
      // afterwards that a link swapped in meanwhile could redirect.
      const umask = process.umask(0o177);
      try {
        server.listen(address, () => {
          server.off('error', reject);
          resolve();
        });
      } finally {
        process.umask(umask);
      }
    });
  } finally {
    release();
  }
  logger.log('control', `Listening at ${sockPath}`);
  return server;
}
