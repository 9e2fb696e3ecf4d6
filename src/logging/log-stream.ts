// The supervisor's side of the log writer (README.md, "Logs"): a connected stream that an
// instance gets as its stdout and stderr, starting the application's writer when none
// answers. Every failure is returned, not thrown: the caller then falls back to appending to
// the log file directly, as before rotation existed.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, realpathSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
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

function startWriter(bundle: string, socketPath: string, writerLogPath: string): void {
  let errFd: number | 'ignore' = 'ignore';
  try {
    errFd = openForAppend(writerLogPath);
  } catch {
    // The writer still works; only its own complaints are lost.
  }
  try {
    // Its own session (detached), so a signal to the supervisor's group never reaches it; the
    // same small-heap flags as the daemon (src/daemon/daemonize.ts), since it mostly waits.
    const child = spawn(process.execPath, ['--lite-mode', '--max-semi-space-size=1', '--no-expose-wasm', '--', bundle, socketPath], {
      detached: true,
      cwd: '/',
      stdio: ['ignore', 'ignore', errFd],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    child.on('error', () => undefined);
    child.unref();
  } finally {
    if (typeof errFd === 'number') closeSync(errFd);
  }
}

/** A connection to the application's writer, starting one if none answers. */
async function connectWriter(request: LogStreamRequest): Promise<Socket | string> {
  const first = await tryConnect(request.socketPath);
  if (!(first instanceof Error)) return first;
  const bundle = writerBundle();
  if (bundle === undefined) return 'the log writer is not installed next to procodile';
  startWriter(bundle, request.socketPath, request.writerLogPath);
  const deadline = Date.now() + WRITER_START_MS;
  let last: NodeJS.ErrnoException = first;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    const next = await tryConnect(request.socketPath);
    if (!(next instanceof Error)) return next;
    last = next;
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
  });
  if (written !== undefined) {
    connected.destroy();
    return { ok: false, message: `the log writer refused the connection (${written.message})` };
  }
  connected.pause();
  connected.on('error', () => undefined);
  return { ok: true, stream: connected };
}
