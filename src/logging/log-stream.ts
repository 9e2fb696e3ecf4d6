// The supervisor's side of the log writer (README.md, "Logs"): a connected stream that an
// instance gets as its stdout and stderr, starting the application's writer when none
// answers. Every failure is returned, not thrown: the caller then falls back to appending to
// the log file directly, as before rotation existed.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { LogRotation } from '../config/types.js';
import { openForAppend } from '../runtime/safe-files.js';
import type { StreamHeader } from './log-writer.js';
import { reachableAddress } from './log-writer-paths.js';

/** The writer bundle, next to the CLI's own (scripts/build.mjs). */
const WRITER_BUNDLE = 'procodile-logwriter.cjs';
const WRITER_START_MS = 5000;
const RETRY_MS = 20;

export type LogStreamOutcome = { ok: true; stream: Socket } | { ok: false; message: string };

export interface LogStreamRequest {
  socketPath: string;
  /** The log file the bytes go to. */
  path: string;
  rotation: LogRotation;
  /** Where a new writer's own complaints go (the supervisor log). */
  writerLogPath: string;
}

/** The writer bundle beside the running CLI, if this is a built procodile. */
export function writerBundle(): string | undefined {
  const entry = process.argv[1];
  if (entry === undefined) return undefined;
  try {
    const candidate = join(dirname(realpathSync(entry)), WRITER_BUNDLE);
    return existsSync(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function tryConnect(socketPath: string): Promise<Socket | NodeJS.ErrnoException> {
  const address = reachableAddress(socketPath);
  return new Promise((resolve) => {
    const socket = connect(address.address);
    socket.once('connect', () => {
      address.release();
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      address.release();
      resolve(error);
    });
  });
}

/**
 * Binds the writer's socket here and hands the listening descriptor to a new writer, so that
 * connections can be made at once: the kernel queues them until the writer, a Node start-up
 * later, accepts them. The supervisor's start no longer waits for the writer (README.md,
 * "Performance"). Undefined when the socket cannot be bound here (another writer took it).
 */
function bindAndStartWriter(bundle: string, socketPath: string, writerLogPath: string): Promise<boolean> {
  // Bound under a name of its own and renamed into place once the writer holds it: closing a
  // bound socket here removes its name, and the rename also replaces a dead writer's socket
  // in one step.
  const temporary = `${socketPath}.${process.pid}`;
  rmSync(temporary, { force: true });
  const address = reachableAddress(temporary);
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => {
      address.release();
      resolve(false);
    });
    // The socket is its owner's alone, as the writer's own would be; bind is synchronous.
    const previous = process.umask(0o077);
    try {
      server.listen(address.address, () => {
        try {
          const fd = listeningDescriptor(server);
          if (fd === undefined) throw new Error('no descriptor');
          startWriter(bundle, socketPath, writerLogPath, fd);
          renameSync(temporary, socketPath);
          resolve(true);
        } catch {
          resolve(false);
        } finally {
          // Nothing is ever accepted here: this copy is closed before anyone can connect.
          server.close();
          address.release();
        }
      });
    } finally {
      process.umask(previous);
    }
  });
}

/**
 * The descriptor of a listening socket. Node passes a server to a child only through its
 * handle, whose `fd` it keeps on every unix platform; a spawn given the server itself fails
 * after the child has started.
 */
function listeningDescriptor(server: Server): number | undefined {
  const handle = (server as unknown as { _handle?: { fd?: unknown } })._handle;
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : undefined;
}

function startWriter(bundle: string, socketPath: string, writerLogPath: string, listening?: number): void {
  let errFd: number | 'ignore' = 'ignore';
  try {
    errFd = openForAppend(writerLogPath);
  } catch {
    // The writer still works; only its own complaints are lost.
  }
  try {
    // Its own session (detached), so a signal to the supervisor's group never reaches it; the
    // same small-heap flags as the daemon (src/daemon/daemonize.ts), since it mostly waits.
    const args = ['--lite-mode', '--max-semi-space-size=1', '--no-expose-wasm', '--', bundle, socketPath];
    const child = spawn(process.execPath, listening === undefined ? args : [...args, '--inherited'], {
      detached: true,
      cwd: '/',
      // A listening socket becomes the writer's descriptor 3.
      stdio: ['ignore', 'ignore', errFd, ...(listening === undefined ? [] : [listening])],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    child.on('error', () => undefined);
    child.unref();
  } finally {
    if (typeof errFd === 'number') closeSync(errFd);
  }
}

/** One writer start at a time per socket in this process: instances start concurrently. */
const starting = new Map<string, Promise<boolean>>();

function startWriterOnce(bundle: string, socketPath: string, writerLogPath: string): Promise<boolean> {
  let pending = starting.get(socketPath);
  if (pending === undefined) {
    pending = (async () => {
      // A socket file nobody answers on is left from a writer that died; a live one is kept.
      if (existsSync(socketPath) && !((await tryConnect(socketPath)) instanceof Error)) return true;
      if (await bindAndStartWriter(bundle, socketPath, writerLogPath)) return true;
      startWriter(bundle, socketPath, writerLogPath);
      return false;
    })().finally(() => starting.delete(socketPath));
    starting.set(socketPath, pending);
  }
  return pending;
}

/** A connection to the application's writer, starting one if none answers. */
async function connectWriter(request: LogStreamRequest): Promise<Socket | string> {
  const first = await tryConnect(request.socketPath);
  if (!(first instanceof Error)) return first;
  const bundle = writerBundle();
  if (bundle === undefined) return 'the log writer is not installed next to procodile';
  await startWriterOnce(bundle, request.socketPath, request.writerLogPath);
  const deadline = Date.now() + WRITER_START_MS;
  let last: NodeJS.ErrnoException = first;
  for (;;) {
    const next = await tryConnect(request.socketPath);
    if (!(next instanceof Error)) return next;
    last = next;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  return `the log writer did not answer at ${request.socketPath} (${last.code ?? last.message})`;
}

/**
 * A stream into `request.path` through the writer, ready to be handed to a child as its
 * stdout/stderr: the header is in the kernel's buffer before the child can write, and the
 * stream no longer reads, so once the child has it the caller just destroys its copy.
 */
export async function openLogStream(request: LogStreamRequest): Promise<LogStreamOutcome> {
  const connected = await connectWriter(request);
  if (typeof connected === 'string') return { ok: false, message: connected };
  const header: StreamHeader = { path: request.path, rotation: request.rotation };
  const written = await new Promise<Error | undefined>((resolve) => {
    connected.once('error', resolve);
    connected.write(`${JSON.stringify(header)}\n`, (error) => resolve(error ?? undefined));
    // A header that went straight into the kernel's buffer (the usual case: a fresh
    // connection's buffer is empty) is already where the child's output will follow it; the
    // callback would only cost another turn of the event loop per instance.
    if (connected.writableLength === 0) resolve(undefined);
  });
  if (written !== undefined) {
    connected.destroy();
    return { ok: false, message: `the log writer refused the connection (${written.message})` };
  }
  connected.pause();
  connected.on('error', () => undefined);
  return { ok: true, stream: connected };
}
