// Runs a supervisor in this process, in the foreground or as the daemon: pid file, logger,
// control socket, signals, and a clean exit once the supervisor is done.
import { rmSync, writeSync } from 'node:fs';
import { createColors, type Colors } from '../logging/colors.js';
import type { AppConfig } from '../config/types.js';
import type { Result } from '../errors.js';
import { ControlSocket } from '../control/control-socket.js';
import { createRouter } from '../control/router.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { OutputRelay } from '../logging/output-relay.js';
import { writeFileAtomically } from '../runtime/safe-files.js';
import { Supervisor, type SupervisorOptions } from '../supervisor/supervisor.js';
import { installSignalHandlers } from './signals.js';
import type { OwnOutput } from './own-output.js';
import { notifySystemd } from './systemd-notify.js';

export interface RunOptions
  extends Omit<SupervisorOptions, 'logger' | 'relay' | 'onShutdown' | 'loadConfig'> {
  loadConfig: () => Result<AppConfig>;
  /** Colour the foreground output (a TTY, and NO_COLOR unset). */
  color: boolean;
  /** Where a background supervisor's log lines go: its stdout unless it opened its log itself. */
  output?: OwnOutput;
}

/** How long a leaving supervisor lets its last replies reach slow clients. */
const REPLY_FLUSH_MS = 10_000;

/** Resolves with the exit code once the supervisor has finished. */
export async function runSupervisor(config: AppConfig, options: RunOptions): Promise<number> {
  process.title = `[procodile] ${config.appName} (${config.root})`;
  const colors = createColors(options.color);
  const relay = options.foreground ? terminalRelay(colors) : undefined;
  const { output } = options;
  const logger = createLogger(
    relay !== undefined ? { write: (text) => relay.writeRaw(text) } : output !== undefined ? output : { write: appendToLog },
    colors,
  );
  // With no stderr of its own, an early-launched supervisor's crash would leave no trace.
  if (output !== undefined) reportCrashesTo(logger, output);

  let finished!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finished = resolve));
  const supervisor = new Supervisor(config, {
    ...options,
    logger,
    relay,
    onShutdown: () => finished(0),
  });

  if (output !== undefined) logger.log('system', 'Launched beside the start command, which handed over the pid directory');
  writeFileAtomically(config.supervisorPidPath, String(process.pid));
  // Requests wait for start-up to finish, so the first answer a client gets (the `start`
  // command's included) already describes every process that was started.
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  const handle = createRouter(supervisor, ready);
  let server;
  try {
    server = await ControlSocket.open(config.sockPath, handle, logger);
  } catch (error) {
    logger.log('system', `Supervisor startup failed: cannot listen at ${config.sockPath}: ${(error as Error).message}`);
    rmSync(config.supervisorPidPath, { force: true });
    return 1;
  }
  const socket = server;
  const removeSignalHandlers = installSignalHandlers(
    supervisor,
    logger,
    () => void notifySystemd('STOPPING=1', options.env, logger),
    () => socket.restore(),
  );
  try {
    await supervisor.start();
  } catch (error) {
    logger.log('system', `Supervisor startup failed: ${(error as Error).stack ?? String(error)}`);
    void supervisor.stopAll();
  }
  started();
  await notifySystemd('READY=1', options.env, logger);
  const code = await done;
  // A crashed instance's leftovers may still be on their way out (D3): wait for them.
  await supervisor.lifecycle.stopper.idle();
  removeSignalHandlers();
  server.close();
  rmSync(config.sockPath, { force: true });
  // The answer to `stop -s` lists every instance; with thousands it is still on its way.
  await server.repliesSent(REPLY_FLUSH_MS);
  rmSync(config.supervisorPidPath, { force: true });
  // The last lines of the processes may still be in their pipes when they exit.
  await relay?.drain(1000);
  logger.log('system', 'Stopped Procodile supervisor');
  await relay?.drain(0);
  await output?.flush(1000);
  return code;
}

function terminalRelay(colors: Colors): OutputRelay {
  // A closed terminal must not take the supervisor down with an EPIPE.
  process.stdout.on('error', () => undefined);
  return new OutputRelay(process.stdout, colors);
}

function reportCrashesTo(logger: Logger, output: OwnOutput): void {
  process.on('warning', (warning) => logger.log('system', `Node warning: ${warning.stack ?? warning.message}`));
  process.once('uncaughtException', (error) => {
    output.writeNow(`Supervisor crashed: ${error.stack ?? String(error)}\n`);
    process.exit(70);
  });
}

/**
 * The daemon's stdout is its log file, opened for appending: written directly, so the
 * daemon never builds a process.stdout stream it has no use for.
 */
function appendToLog(text: string): void {
  try {
    writeSync(1, text);
  } catch {
    // A full disk or a removed log must not stop the supervisor; the next line tries again.
  }
}
