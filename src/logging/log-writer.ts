// The log writer: one small process per application, apart from the supervisor and outliving
// it, that owns the application's log files. Each instance's stdout and stderr is a connection
// to the writer's socket; the writer appends whole lines to the instance's log and rotates it
// by rename at a line boundary. Why a process of its own (README.md, "Logs"): an instance
// holds its output descriptor for life, so only the reader of that descriptor can move
// output to a new file, and if that reader were the supervisor, a supervisor crash would
// cost the application its output or its life.
import { createServer, Socket, type Server, type SocketConstructorOpts } from 'node:net';
import { isAbsolute } from 'node:path';
import type { LogRotation } from '../config/types.js';
import { RotatingLog } from './rotating-log.js';

/** The first line of every connection: which log the bytes after it belong to. */
export interface StreamHeader {
  path: string;
  rotation: LogRotation;
}

const MAX_HEADER = 8 * 1024;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);
/**
 * Every connection reads into this one buffer, and each read is written out before the next
 * one starts (the callback is synchronous), so reads cost no allocation and the writer's memory
 * does not grow with its connections. A unix socket rarely holds more than ~200 KB unread.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
/** A line longer than this is written in pieces rather than held without bound. */
const MAX_PARTIAL_LINE = 1024 * 1024;
/** A line without its end (a prompt, a progress bar) is written once the instance pauses. */
const PARTIAL_LINE_DELAY_MS = 1000;
/** Before its first connection the writer waits this long for the one that started it. */
const FIRST_CONNECTION_MS = 10_000;
/** Once the last connection (the supervisor's and every instance's) has gone, it leaves. */
const IDLE_EXIT_MS = 0;

export function parseHeader(line: string): StreamHeader | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { path, rotation } = value as Record<string, unknown>;
  if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0')) return undefined;
  if (typeof rotation !== 'object' || rotation === null) return undefined;
  const { maxSize, keep, compress } = rotation as Record<string, unknown>;
  if (!Number.isSafeInteger(maxSize) || (maxSize as number) < 1) return undefined;
  if (!Number.isSafeInteger(keep) || (keep as number) < 0 || (keep as number) > 1000) return undefined;
  if (typeof compress !== 'boolean') return undefined;
  return { path, rotation: { maxSize: maxSize as number, keep: keep as number, compress } };
}

export interface LogWriterOptions {
  /** Where the writer says what went wrong (its own problems, not an instance's output). */
  report: (message: string) => void;
  /** Called once the last connection has closed and every log is closed. */
  onIdle: () => void;
  /** Called as soon as the writer stops taking connections (before logs finish closing). */
  onClosing?: () => void;
}

/**
 * The accepted connection, reading into READ_BUFFER and handing each read to `receive`.
 * Node offers `onread` (reads into a caller's buffer, no Readable stream in between) only to
 * sockets it creates around a handle, not to those a server accepts, so the accepted
 * connection's handle is moved into such a socket before anything is read (the server
 * accepts paused). Should Node's internals ever differ, the accepted socket is read as usual.
 */
function readIntoShared(accepted: Socket, receive: (chunk: Buffer) => boolean): Socket {
  const holder = accepted as unknown as { _handle?: object | null };
  const handle = holder._handle;
  if (typeof handle !== 'object' || handle === null) {
    accepted.on('data', receive);
    accepted.resume();
    return accepted;
  }
  holder._handle = null;
  const socket = new Socket({
    handle,
    readable: true,
    writable: true,
    onread: { buffer: READ_BUFFER, callback: (bytes: number, buffer: Uint8Array) => receive(Buffer.from(buffer.buffer, buffer.byteOffset, bytes)) },
  } as SocketConstructorOpts);
  socket.resume();
  return socket;
}

export class LogWriter {
  readonly #logs = new Map<string, RotatingLog>();
  readonly #connections = new Set<Socket>();
  readonly #options: LogWriterOptions;
  readonly #server: Server;
  #idleTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: LogWriterOptions) {
    this.#options = options;
    // Paused, so that no byte is read before readIntoShared takes the connection over.
    this.#server = createServer({ pauseOnConnect: true }, (socket) => this.#accept(socket));
    this.#armIdle(FIRST_CONNECTION_MS);
  }

  /** `address`: a socket path, or the descriptor of a socket already listening (see log-stream.ts). */
  listen(address: string | { fd: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(address, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  /** The log a connection writes to; an open file is shared by every connection naming it. */
  logFor(header: StreamHeader): RotatingLog {
    let log = this.#logs.get(header.path);
    if (log === undefined) {
      log = new RotatingLog(header.path, header.rotation, this.#options.report);
      this.#logs.set(header.path, log);
    } else {
      log.configure(header.rotation);
    }
    return log;
  }

  #armIdle(delayMs: number): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => void this.#shutDown(), delayMs);
  }

  #accept(accepted: Socket): void {
    if (this.#closing) {
      accepted.destroy();
      return;
    }
    clearTimeout(this.#idleTimer);
    let header: Buffer = Buffer.alloc(0);
    let log: RotatingLog | undefined;
    let partial: Buffer = EMPTY;
    let lastData = 0;
    let partialTimer: NodeJS.Timeout | undefined;

    const flushPartial = (): void => {
      if (log !== undefined && partial.length > 0) log.append(partial);
      partial = EMPTY;
    };
    const schedulePartial = (): void => {
      if (partialTimer !== undefined) return;
      partialTimer = setTimeout(function check() {
        const quietFor = Date.now() - lastData;
        if (quietFor >= PARTIAL_LINE_DELAY_MS || partial.length === 0) {
          partialTimer = undefined;
          flushPartial();
        } else {
          partialTimer = setTimeout(check, PARTIAL_LINE_DELAY_MS - quietFor);
        }
      }, PARTIAL_LINE_DELAY_MS);
    };
    // Work per chunk, not per line: everything up to the chunk's last newline goes out in one
    // write (with the line begun by the chunk before), and only the unfinished tail is kept.
    // `chunk` may be the shared read buffer: whatever outlives this call is copied.
    const take = (chunk: Buffer): void => {
      const lastNewline = chunk.lastIndexOf(NEWLINE);
      if (lastNewline === -1) {
        partial = partial.length === 0 ? Buffer.from(chunk) : Buffer.concat([partial, chunk]);
        if (partial.length > MAX_PARTIAL_LINE) flushPartial();
      } else {
        log?.append(chunk.subarray(0, lastNewline + 1), partial);
        partial = lastNewline === chunk.length - 1 ? EMPTY : Buffer.from(chunk.subarray(lastNewline + 1));
      }
      if (partial.length > 0) {
        lastData = Date.now();
        schedulePartial();
      }
    };
    const receive = (chunk: Buffer): boolean => {
      if (log !== undefined) {
        take(chunk);
        return true;
      }
      header = Buffer.concat([header, chunk]);
      const end = header.indexOf(NEWLINE);
      if (end === -1) {
        if (header.length > MAX_HEADER) socket.destroy();
        return true;
      }
      const parsed = parseHeader(header.subarray(0, end).toString('utf8'));
      if (parsed === undefined) {
        this.#options.report('Refused a log connection with a malformed header');
        socket.destroy();
        return false;
      }
      try {
        log = this.logFor(parsed);
      } catch (error) {
        this.#options.report(`Cannot open ${parsed.path}: ${(error as Error).message}`);
        socket.destroy();
        return false;
      }
      const rest = header.subarray(end + 1);
      header = Buffer.alloc(0);
      if (rest.length > 0) take(rest);
      return true;
    };
    const socket = readIntoShared(accepted, receive);
    this.#connections.add(socket);
    const finish = (): void => {
      if (!this.#connections.delete(socket)) return;
      clearTimeout(partialTimer);
      flushPartial();
      if (this.#connections.size === 0) this.#armIdle(IDLE_EXIT_MS);
    };
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
  }

  async #shutDown(): Promise<void> {
    if (this.#closing || this.#connections.size > 0) return;
    this.#closing = true;
    this.#server.close();
    this.#options.onClosing?.();
    await Promise.all([...this.#logs.values()].map((log) => log.close()));
    this.#logs.clear();
    this.#options.onIdle();
  }
}
