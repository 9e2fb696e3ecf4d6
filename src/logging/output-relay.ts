// Foreground output: every line of every instance, prefixed and coloured per process, into one
// stream. Lines are never torn or interleaved (whole lines per write), a partial line waits
// for its end, and a slow terminal pauses the children's pipes instead of growing memory.
import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';
import type { Colors } from './colors.js';
import type { LogColor } from '../config/types.js';
import { linePrefix } from './log-line.js';

/** A line longer than this is written in pieces rather than buffered without bound. */
const MAX_PARTIAL_LINE = 64 * 1024;

export class OutputRelay {
  readonly #out: Writable;
  readonly #colors: Colors;
  readonly #sources = new Set<Readable>();
  #blocked = false;
  /** Text waiting for the next flush: one write per turn of the event loop, not per chunk. */
  #pending = '';
  #flushScheduled = false;

  constructor(out: Writable, colors: Colors) {
    this.#out = out;
    this.#colors = colors;
    out.on('drain', () => {
      this.#blocked = false;
      for (const source of this.#sources) source.resume();
    });
  }

  /** Relays one pipe of an instance until it ends. */
  attach(name: string, color: LogColor, stream: Readable): void {
    const decoder = new StringDecoder('utf8');
    let partial = '';
    this.#sources.add(stream);
    const style = { colors: this.#colors, color };
    stream.on('data', (chunk: Buffer) => {
      const text = partial + decoder.write(chunk);
      const lastNewline = text.lastIndexOf('\n');
      if (lastNewline === -1) {
        partial = text;
        if (partial.length > MAX_PARTIAL_LINE) {
          this.#write(`${linePrefix(name, new Date(), style)}${partial}\n`, stream);
          partial = '';
        }
        return;
      }
      partial = text.slice(lastNewline + 1);
      const prefix = linePrefix(name, new Date(), style);
      // One replace over the whole batch is far cheaper than splitting into an array of lines.
      const body = text.slice(0, lastNewline);
      this.#write(`${prefix}${body.replaceAll('\n', `\n${prefix}`)}\n`, stream);
    });
    stream.on('end', () => {
      const rest = partial + decoder.end();
      if (rest.length > 0) this.#write(`${linePrefix(name, new Date(), style)}${rest}\n`, stream);
      this.#sources.delete(stream);
    });
    stream.on('error', () => this.#sources.delete(stream));
  }

  /** Supervisor lines go through the same queue, so they keep their place among the output. */
  writeRaw(text: string): void {
    this.#write(text, undefined);
  }

  /** Waits (up to `timeoutMs`) for every pipe to end, then writes out what is left. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#sources.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.#flush();
  }

  #write(text: string, source: Readable | undefined): void {
    this.#pending += text;
    if (this.#blocked) source?.pause();
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const text = this.#pending;
    this.#pending = '';
    if (text.length > 0 && !this.#out.write(text)) {
      this.#blocked = true;
      for (const s of this.#sources) s.pause();
    }
  }
}
