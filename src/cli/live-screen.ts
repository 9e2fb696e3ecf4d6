// A full-screen view in the terminal for `top`: the alternate screen, no cursor, keys read one
// at a time. Whatever ends the view (a key, a signal, an error, the process exiting) puts the
// terminal back as it was: raw mode off, cursor shown, alternate screen left.
const ENTER = '\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J';
const LEAVE = '\x1b[?25h\x1b[?1049l';

export interface LiveScreen {
  size(): { columns: number; rows: number };
  draw(lines: string[]): void;
  /** Resolves when the view ends: `q`, Ctrl-C, SIGTERM or SIGHUP. */
  readonly closed: Promise<void>;
  close(): void;
}

export function openLiveScreen(input: NodeJS.ReadStream, output: NodeJS.WriteStream, onKey: (key: string) => void): LiveScreen {
  let open = true;
  let finish: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const restore = (): void => {
    if (!open) return;
    open = false;
    input.off('data', onData);
    if (input.isTTY) input.setRawMode(false);
    input.pause();
    output.write(LEAVE);
    process.off('exit', restore);
    process.off('SIGTERM', close);
    process.off('SIGHUP', close);
    finish();
  };
  const close = (): void => restore();
  const onData = (data: Buffer): void => {
    for (const key of data.toString('latin1')) {
      if (key === 'q' || key === 'Q' || key === '\x03') {
        close();
        return;
      }
      onKey(key);
    }
  };
  if (input.isTTY) input.setRawMode(true);
  input.on('data', onData);
  input.resume();
  process.on('exit', restore);
  process.once('SIGTERM', close);
  process.once('SIGHUP', close);
  output.write(ENTER);
  return {
    size: () => ({ columns: output.columns > 0 ? output.columns : 80, rows: output.rows > 0 ? output.rows : 24 }),
    draw: (lines) => {
      if (open) output.write(`\x1b[H${lines.join('\x1b[K\r\n')}\x1b[K\x1b[J`);
    },
    closed,
    close,
  };
}
