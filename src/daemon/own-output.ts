// Where an early-launched supervisor (early-daemon.ts) writes its log. A supervisor that the
// `start` command spawns gets its log as its stdout, a descriptor of its own; the early one was
// launched with nowhere to write and opens its log itself. Its lines go through the log writer
// like every other supervisor's (rotation), written through the connection's stream: when the
// writer goes away Node closes that descriptor and its number is soon reused, so it is never
// written to directly. Without a writer (rotation off, or it went away) lines are appended to
// the log file directly.
import { closeSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { AppConfig } from '../config/types.js';
import { DEFAULT_LOG_ROTATION } from '../config/types.js';
import { openLogStream } from '../logging/log-stream.js';
import { logWriterSocketPath } from '../logging/log-writer-paths.js';
import { openForAppend } from '../runtime/safe-files.js';
import { openSupervisorLog } from './daemonize.js';

/** Lines held for a writer that does not keep up, before the rest go straight to the file. */
const MAX_BUFFERED = 1024 * 1024;

export interface OwnOutput {
  write(text: string): void;
  /** Appends at once, bypassing the writer: for the last words of a crash. */
  writeNow(text: string): void;
  /** Hands the writer what is still buffered, waiting at most `timeoutMs`. */
  flush(timeoutMs: number): Promise<void>;
}

export async function openOwnOutput(app: Pick<AppConfig, 'logPath' | 'pidRoot' | 'logRotation'>): Promise<OwnOutput> {
  const { logPath } = app;
  // Creates the directory and refuses an unsafe path, as for any supervisor.
  closeSync(openSupervisorLog(logPath));
  const appendDirectly = (text: string): void => {
    try {
      const fd = openForAppend(logPath);
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    } catch {
      // A full disk or a removed log must not stop the supervisor; the next line tries again.
    }
  };
  const rotation = app.logRotation ?? DEFAULT_LOG_ROTATION;
  let stream: Socket | undefined;
  if (rotation.keep !== 0) {
    const opened = await openLogStream({ socketPath: logWriterSocketPath(app.pidRoot), path: logPath, rotation, writerLogPath: logPath });
    if (opened.ok) {
      const connection = opened.stream;
      stream = connection;
      // Reading is how Node learns that the writer has gone.
      connection.resume();
      connection.on('close', () => {
        if (stream === connection) stream = undefined;
      });
    }
  }
  return {
    write(text) {
      if (stream !== undefined && !stream.destroyed && stream.writableLength < MAX_BUFFERED) stream.write(text);
      else appendDirectly(text);
    },
    writeNow: appendDirectly,
    async flush(timeoutMs) {
      const connection = stream;
      if (connection === undefined || connection.destroyed) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        connection.end(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
