// Starts the supervisor in the background: the same CLI re-executed in a new session (so
// the terminal's signals cannot reach it), its output going to the supervisor log through the
// application's log writer, which rotates it (README.md, "Logs"), or appended to it directly
// when rotation is off or the writer cannot be started.
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { describeFsError } from '../config/yaml-file.js';
import type { AppConfig } from '../config/types.js';
import { DEFAULT_LOG_ROTATION } from '../config/types.js';
import { ProcodileError } from '../errors.js';
import { openLogStream } from '../logging/log-stream.js';
import { logWriterSocketPath } from '../logging/log-writer-paths.js';
import { readRecord } from '../runtime/adoption-record.js';
import { openForAppend } from '../runtime/safe-files.js';
import { ensureRuntimeDirectory } from '../runtime/trusted-directories.js';

/** Tells the re-executed CLI that it is the daemon; stripped from instances (D9). */
export const DAEMON_MARKER = 'PROCODILE_DAEMON_CHILD';

/**
 * The daemon spends its life waiting for events, so V8's optimising compilers and a large
 * young generation buy it nothing; without them it needs about 7 MB less memory with 100
 * instances (bench/README.md). A daemon that runs the TCP proxy is the exception: every
 * proxied byte goes through its JavaScript, which runs about 2.5 times slower in lite mode,
 * so it keeps the optimising compilers (README.md, "Performance").
 */
const LITE_FLAGS = [
  '--lite-mode',
  '--max-semi-space-size=1',
  // Lite mode switches WebAssembly off and says so on stderr, the top of the supervisor log,
  // unless it is already off.
  '--no-expose-wasm',
];

/** The flags scripts/launcher.sh gives the supervisor it launches early (a test compares the two). */
export const EARLY_DAEMON_FLAGS: readonly string[] = LITE_FLAGS;

/**
 * Whether the supervisor about to start runs the proxy by request: `--proxy`, or, unless
 * `--no-proxy`, a previous supervisor's proxy that it will take over with the instances it
 * adopts (README, "The TCP proxy"). Its Node flags depend on it.
 */
export function proxyRequested(given: { proxy: boolean; noProxy: boolean }, pidRoot: string): boolean {
  if (given.proxy) return true;
  return !given.noProxy && readRecord(pidRoot).run?.proxy === true;
}

export function daemonNodeFlags(app: Pick<AppConfig, 'proxy' | 'processes'>, proxyOption: boolean): string[] {
  // The proxy only listens for processes with a proxy_port.
  const runsProxy = (proxyOption || app.proxy === true) && app.processes.some((p) => p.proxyPort !== undefined);
  return runsProxy ? LITE_FLAGS.filter((flag) => flag !== '--lite-mode') : [...LITE_FLAGS];
}

/** Where a background supervisor writes: its log, through the log writer when rotation is on. */
export interface DaemonOutput {
  /** The descriptor to write to: the writer's stream, or the log file opened for appending. */
  fd: number;
  close(): void;
}

/**
 * Opens the supervisor log for appending, creating its directory; throws, saying what to
 * change, when it cannot be written. A background start checks this before it lets an early
 * supervisor go on, so that the mistake is the command's error.
 */
export function openSupervisorLog(logPath: string): number {
  try {
    ensureRuntimeDirectory({ path: dirname(logPath), setting: 'log_path' });
    return openForAppend(logPath);
  } catch (error) {
    // A refused or uncreatable directory, or a planted link, already says what to do.
    if (error instanceof ProcodileError) throw error;
    throw new ProcodileError(
      'CONFIG_INVALID',
      `Cannot open the supervisor log ${logPath}: ${describeFsError(error)}. ` +
        'Set log_path or log_root in Procfile.options (or Procfile.local) to a place you can write.',
    );
  }
}

/**
 * Opens the supervisor's output. Throws, saying what to change, when the log cannot be
 * opened; a log writer that cannot be started only means writing to the file directly.
 */
export async function openDaemonOutput(app: Pick<AppConfig, 'logPath' | 'pidRoot' | 'logRotation'>): Promise<DaemonOutput> {
  const { logPath } = app;
  const fd = openSupervisorLog(logPath);
  const rotation = app.logRotation ?? DEFAULT_LOG_ROTATION;
  const viaWriter =
    rotation.keep === 0
      ? undefined
      : await openLogStream({ socketPath: logWriterSocketPath(app.pidRoot), path: logPath, rotation, writerLogPath: logPath });
  const stream = viaWriter?.ok === true ? viaWriter.stream : undefined;
  const streamFd = stream === undefined ? undefined : socketDescriptor(stream);
  if (stream !== undefined && streamFd === undefined) stream.destroy();
  if (streamFd === undefined) return { fd, close: () => closeSync(fd) };
  closeSync(fd);
  return { fd: streamFd, close: () => stream?.destroy() };
}

/** A connected socket's descriptor: what a child is given as its stdio, or written to directly. */
function socketDescriptor(socket: Socket): number | undefined {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } })._handle;
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : undefined;
}

export async function spawnDaemon(
  cliPath: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  app: Pick<AppConfig, 'logPath' | 'pidRoot' | 'logRotation' | 'proxy' | 'processes'>,
  proxyOption: boolean,
): Promise<number> {
  const output = await openDaemonOutput(app);
  try {
    // `--` keeps Node from reading our own --env-file flag as its own (Node 20 scans the whole command line for it).
    const child = spawn(process.execPath, [...daemonNodeFlags(app, proxyOption), '--', cliPath, ...argv], {
      detached: true,
      stdio: ['ignore', output.fd, output.fd],
      env: { ...env, [DAEMON_MARKER]: '1' },
    });
    child.unref();
    if (child.pid === undefined) throw new Error('the daemon could not be started');
    return child.pid;
  } finally {
    output.close();
  }
}
