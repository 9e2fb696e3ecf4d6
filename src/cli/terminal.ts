// The CLI's only window onto stdout and stderr, with colour decided once per stream.
import { createColors, type Colors } from './colors.js';

export type { Colors };

export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  /** Colours for stdout. */
  color: Colors;
  /** Colours for stderr. */
  errColor: Colors;
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
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    // Decided on first use: asking a stream whether it is a TTY makes Node build it, which
    // the daemon and the quiet commands never need.
    get color() {
      return (color ??= createColors(wantsColor(process.stdout, env)));
    },
    get errColor() {
      return (errColor ??= createColors(wantsColor(process.stderr, env)));
    },
  };
}

export { wantsColor };
