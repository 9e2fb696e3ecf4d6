// Entry point of the log writer process (built as dist/procodile-logwriter.cjs, apart from the
// CLI bundle so that it loads only what it needs): node procodile-logwriter.cjs SOCKET_PATH
// [--inherited]. It runs in its own session, started detached, so nothing aimed at the
// supervisor reaches it. With --inherited, the socket at SOCKET_PATH is already listening on
// descriptor 3, bound by whoever started the writer, so that they could connect at once.
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { LogWriter } from './log-writer.js';
import { writeFileAtomically } from '../runtime/safe-files.js';
import { logWriterPidPath, reachableAddress } from './log-writer-paths.js';

function isLive(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(address);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function report(message: string): void {
  try {
    // The writer's stderr is the supervisor log it was started with: its own edge.
    process.stderr.write(`${new Date().toISOString()} log writer ${process.pid}: ${message}\n`);
  } catch {
    // Nowhere left to say it.
  }
}

/** The descriptor on which a starter hands over a socket it has bound (log-stream.ts). */
const INHERITED_FD = 3;

export async function runLogWriter(socketPath: string, inherited = false): Promise<number> {
  // The socket and any file the writer creates are its owner's alone.
  process.umask(0o077);
  const address = reachableAddress(socketPath);
  if (!inherited) {
    // Another writer already serves this application (two starts raced): it keeps the job.
    if (await isLive(address.address)) return 0;
    rmSync(socketPath, { force: true });
  }
  let done!: () => void;
  const idle = new Promise<void>((resolve) => (done = resolve));
  const pidPath = logWriterPidPath(socketPath);
  const leaving = (): void => {
    rmSync(socketPath, { force: true });
    rmSync(pidPath, { force: true });
  };
  const writer = new LogWriter({ report, onIdle: () => done(), onClosing: leaving });
  await writer.listen(inherited ? { fd: INHERITED_FD } : address.address);
  writeFileAtomically(pidPath, String(process.pid));
  await idle;
  address.release();
  return 0;
}

process.on('SIGHUP', () => undefined);
process.on('SIGINT', () => undefined);
const socketPath = process.argv[2];
if (socketPath === undefined) {
  report('usage: procodile-logwriter SOCKET_PATH');
  process.exitCode = 2;
} else {
  runLogWriter(socketPath, process.argv[3] === '--inherited').then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      report(`stopped: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
