// The CLI's only window onto stdout and stderr, with colour decided once per stream.
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

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
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    color: pc.createColors(wantsColor(process.stdout, env)),
    errColor: pc.createColors(wantsColor(process.stderr, env)),
  };
}

export { wantsColor };
