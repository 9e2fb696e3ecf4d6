// The CLI's only window onto stdout and stderr, with colour decided once per stream.
import { createColors, type Colors } from '../logging/colors.js';

export type { Colors };

export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  /** Colours for stdout. */
  color: Colors;
  /** Colours for stderr. */
  errColor: Colors;
  /** Resolves once everything written so far has left the process (or its reader has gone). */
  flush(): Promise<void>;
  /**
   * A line that replaces itself on a terminal (`undefined` clears it); elsewhere each text is a
   * line of its own. Optional: a terminal without it shows no progress.
   */
  progress?(text: string | undefined): void;
}

/**
 * A pipe takes about 64 KiB before Node queues the rest in memory, and an exit drops that
 * queue: `status --json | (sleep 1; wc -c)` used to get 65536 bytes. So before exiting the CLI
 * waits for its output to leave.
 */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('error', done);
    stream.once('close', done);
    stream.write('', done);
  });
}

/** A reader that has gone (`| head`) is not an error worth a stack trace: stop writing. */
function ignoreBrokenPipe(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (stream.listenerCount('error') === 0) stream.on('error', () => undefined);
  return stream;
}

function wantsColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY;
}

export function processTerminal(env: NodeJS.ProcessEnv = process.env): Terminal {
  let color: Colors | undefined;
  let errColor: Colors | undefined;
  return {
    out: (text) => ignoreBrokenPipe(process.stdout).write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => ignoreBrokenPipe(process.stderr).write(text.endsWith('\n') ? text : `${text}\n`),
    // log writes to process.stdout directly, so both streams are drained whoever wrote.
    flush: () => Promise.all([drained(ignoreBrokenPipe(process.stdout)), drained(ignoreBrokenPipe(process.stderr))]).then(() => undefined),
    // Decided on first use: asking a stream whether it is a TTY makes Node build it, which
    // the daemon and the quiet commands never need.
    progress: (text) => {
      const stream = ignoreBrokenPipe(process.stderr);
      if (stream.isTTY) stream.write(text === undefined ? '\r\x1b[K' : `\r\x1b[K${text}`);
      else if (text !== undefined) stream.write(`${text}\n`);
    },
    get color() {
      return (color ??= createColors(wantsColor(process.stdout, env)));
    },
    get errColor() {
      return (errColor ??= createColors(wantsColor(process.stderr, env)));
    },
  };
}

export { wantsColor };
