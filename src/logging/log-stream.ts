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
      if (existsSync(socketPath)) {
        const probe = await tryConnect(socketPath);
        if (!(probe instanceof Error)) {
          probe.destroy();
          return true;
        }
      }
      if (await bindAndStartWriter(bundle, socketPath, writerLogPath)) return true;
      startWriter(bundle, socketPath, writerLogPath);
      return false;
    })().finally(() => starting.delete(socketPath));
    starting.set(socketPath, pending);
  }
  return pending;
}

/**
 * One connection made ahead of need, per writer socket. Instances start one after another,
 * and the next one's connection is made while this one forks, instead of each start waiting
 * a turn of the event loop for its own (README.md, "Performance"). A spare nobody takes is
 * closed after SPARE_IDLE_MS: the writer sees a connection that ends before its header, and
 * ignores it.
 */
const spares = new Map<string, Promise<Socket | NodeJS.ErrnoException>>();
const SPARE_IDLE_MS = 1000;

function prepareSpare(socketPath: string): void {
  if (spares.has(socketPath)) return;
  const spare = tryConnect(socketPath).then((socket) => {
    if (socket instanceof Error) return socket;
    // Waiting, it must neither keep this process alive nor take it down if the writer goes.
    socket.unref();
    socket.on('error', () => undefined);
    return socket;
  });
  spares.set(socketPath, spare);
  setTimeout(() => {
    if (spares.get(socketPath) !== spare) return;
    spares.delete(socketPath);
    void spare.then((socket) => {
      if (!(socket instanceof Error)) socket.destroy();
    });
  }, SPARE_IDLE_MS).unref();
}

async function takeSpare(socketPath: string): Promise<Socket | undefined> {
  const spare = spares.get(socketPath);
  if (spare === undefined) return undefined;
  spares.delete(socketPath);
  const socket = await spare;
  if (socket instanceof Error) return undefined;
  // The writer may have gone while it waited: such a connection is of no use.
  if (socket.destroyed || socket.readyState !== 'open') {
    socket.destroy();
    return undefined;
  }
  socket.ref();
  return socket;
}

/** A connection to the application's writer, starting one if none answers. */
async function connectWriter(
  request: LogStreamRequest,
  spareAllowed: boolean,
  moreToCome: boolean,
): Promise<{ socket: Socket; spare: boolean } | string> {
  const spare = spareAllowed ? await takeSpare(request.socketPath) : undefined;
  const first = spare ?? (await tryConnect(request.socketPath));
  if (!(first instanceof Error)) {
    if (moreToCome) prepareSpare(request.socketPath);
    return { socket: first, spare: spare !== undefined };
  }
  const bundle = writerBundle();
  if (bundle === undefined) return 'the log writer is not installed next to procodile';
  await startWriterOnce(bundle, request.socketPath, request.writerLogPath);
  const deadline = Date.now() + WRITER_START_MS;
  let last: NodeJS.ErrnoException = first;
  for (;;) {
    const next = await tryConnect(request.socketPath);
    if (!(next instanceof Error)) return { socket: next, spare: false };
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
 * `moreToCome`: another stream is wanted soon (instances start one after another), so its
 * connection is made now.
 */
export async function openLogStream(request: LogStreamRequest, { moreToCome = false } = {}): Promise<LogStreamOutcome> {
  const header = `${JSON.stringify({ path: request.path, rotation: request.rotation } satisfies StreamHeader)}\n`;
  let outcome = await connectAndSend(request, header, true, moreToCome);
  // A spare made before its writer went away only fails once written to: try a fresh one.
  if (outcome === 'stale spare') outcome = await connectAndSend(request, header, false, moreToCome);
  return outcome === 'stale spare' ? { ok: false, message: 'the log writer closed the connection' } : outcome;
}

async function connectAndSend(
  request: LogStreamRequest,
  header: string,
  spareAllowed: boolean,
  moreToCome: boolean,
): Promise<LogStreamOutcome | 'stale spare'> {
  const connected = await connectWriter(request, spareAllowed, moreToCome);
  if (typeof connected === 'string') return { ok: false, message: connected };
  const written = await new Promise<Error | undefined>((resolve) => {
    connected.socket.once('error', resolve);
    connected.socket.write(header, (error) => resolve(error ?? undefined));
    // On a connection made just now, a header that went straight into the kernel's buffer
    // (the usual case: its buffer is empty) is already where the child's output will follow
    // it; the callback would only cost another turn of the event loop per instance. A spare
    // has waited, and its writer may have gone meanwhile: only the callback tells.
    if (!connected.spare && connected.socket.writableLength === 0 && !connected.socket.destroyed) resolve(undefined);
  });
  if (written !== undefined || connected.socket.destroyed) {
    connected.socket.destroy();
    if (connected.spare) return 'stale spare';
    return { ok: false, message: `the log writer refused the connection (${written?.message ?? 'closed'})` };
  }
  connected.socket.pause();
  connected.socket.on('error', () => undefined);
  return { ok: true, stream: connected.socket };
}
