// The log writer: one small process per application, apart from the supervisor and outliving
// it, that owns the application's log files. Each instance's stdout and stderr is a connection
// to the writer's socket; the writer appends whole lines to the instance's log and rotates it
// by rename at a line boundary. Why a process of its own (README.md, "Logs"): an instance
// holds its output descriptor for life, so only the reader of that descriptor can move
// output to a new file, and if that reader were the supervisor, a supervisor crash would
// cost the application its output or its life.
import { createServer, type Server, type Socket } from 'node:net';
import { isAbsolute } from 'node:path';
import type { LogRotation } from '../config/types.js';
import { RotatingLog } from './rotating-log.js';

/** The first line of every connection: which log the bytes after it belong to. */
export interface StreamHeader {
  path: string;
  rotation: LogRotation;
}

const MAX_HEADER = 8 * 1024;
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

export class LogWriter {
  readonly #logs = new Map<string, RotatingLog>();
  readonly #connections = new Set<Socket>();
  readonly #options: LogWriterOptions;
  readonly #server: Server;
  #idleTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: LogWriterOptions) {
    this.#options = options;
    this.#server = createServer({ pauseOnConnect: false }, (socket) => this.#accept(socket));
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

  #accept(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    clearTimeout(this.#idleTimer);
    this.#connections.add(socket);
    let header: Buffer = Buffer.alloc(0);
    let log: RotatingLog | undefined;
    let partial: Buffer = Buffer.alloc(0);
    let lastData = 0;
    let partialTimer: NodeJS.Timeout | undefined;

    const flushPartial = (): void => {
      if (log !== undefined && partial.length > 0) log.append(partial);
      partial = Buffer.alloc(0);
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
    const take = (chunk: Buffer): void => {
      const data = partial.length === 0 ? chunk : Buffer.concat([partial, chunk]);
      const lastNewline = data.lastIndexOf(0x0a);
      if (lastNewline === -1) {
        partial = data;
        if (partial.length > MAX_PARTIAL_LINE) flushPartial();
      } else {
        log?.append(lastNewline === data.length - 1 ? data : data.subarray(0, lastNewline + 1));
        partial = lastNewline === data.length - 1 ? Buffer.alloc(0) : Buffer.from(data.subarray(lastNewline + 1));
      }
      if (partial.length > 0) {
        lastData = Date.now();
        schedulePartial();
      }
    };

    socket.on('data', (chunk: Buffer) => {
      if (log !== undefined) {
        take(chunk);
        return;
      }
      header = Buffer.concat([header, chunk]);
      const end = header.indexOf(0x0a);
      if (end === -1) {
        if (header.length > MAX_HEADER) socket.destroy();
        return;
      }
      const parsed = parseHeader(header.subarray(0, end).toString('utf8'));
      if (parsed === undefined) {
        this.#options.report('Refused a log connection with a malformed header');
        socket.destroy();
        return;
      }
      try {
        log = this.logFor(parsed);
      } catch (error) {
        this.#options.report(`Cannot open ${parsed.path}: ${(error as Error).message}`);
        socket.destroy();
        return;
      }
      const rest = header.subarray(end + 1);
      header = Buffer.alloc(0);
      if (rest.length > 0) take(rest);
    });
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
