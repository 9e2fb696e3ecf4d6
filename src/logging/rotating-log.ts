// One log file written by the log writer: whole lines appended, and rotation by rename at a
// line boundary (LOG -> LOG.1 -> ... -> LOG.keep), optionally gzipped, so that no line is
// lost, torn or written twice at a rotation (README.md, "Logs").
import { closeSync, constants, fstatSync, openSync, readdirSync, renameSync, rmSync, writeSync, writevSync } from 'node:fs';
import { createReadStream, createWriteStream } from 'node:fs';
import { basename, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { LogRotation } from '../config/types.js';
import { createExclusive, openForAppend } from '../runtime/safe-files.js';
import { ensureRuntimeDirectory } from '../runtime/trusted-directories.js';

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/** The name of the n-th rotated file (1 is the newest). */
export function rotatedName(path: string, n: number, compressed: boolean): string {
  return `${path}.${n}${compressed ? '.gz' : ''}`;
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // A file we cannot remove stays; the next rotation tries again.
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export class RotatingLog {
  readonly path: string;
  #settings: LogRotation;
  #fd: number;
  #size: number;
  #endsWithNewline = true;
  /** Gzips run one after another, in the background, while the log goes on rotating. */
  #compressing: Promise<void> = Promise.resolve();
  /** Rotations so far: a gzip finds its file's current number from how many happened since. */
  #rotations = 0;
  readonly #onProblem: (message: string) => void;
  #droppedBytes = 0;

  constructor(path: string, settings: LogRotation, onProblem: (message: string) => void) {
    this.path = path;
    this.#settings = settings;
    this.#onProblem = onProblem;
    ensureRuntimeDirectory({ path: dirname(path), setting: 'log_path or log_root' });
    this.#fd = openForAppend(path);
    this.#size = fstatSync(this.#fd).size;
  }

  /** The latest settings win: a reload may have changed them. */
  configure(settings: LogRotation): void {
    this.#settings = settings;
  }

  /**
   * Appends `before` then `data` (the start of a line a previous read left, then the reads's
   * whole lines), rotating first whenever the next whole line would take the file past its
   * size. A single line longer than the limit is still written whole, into a file of its own.
   */
  append(data: Buffer, before: Buffer = EMPTY): void {
    const { maxSize, keep } = this.#settings;
    const total = before.length + data.length;
    // The usual case: it all fits, and goes out in one system call without being copied.
    if (keep === 0 || total <= maxSize - this.#size) {
      this.#writeAll(before.length === 0 ? [data] : [before, data], total);
      return;
    }
    this.#appendRotating(before.length === 0 ? data : Buffer.concat([before, data], total));
  }

  #appendRotating(data: Buffer): void {
    const { maxSize } = this.#settings;
    let offset = 0;
    while (offset < data.length) {
      const remaining = data.length - offset;
      if (remaining <= maxSize - this.#size) break;
      const room = maxSize - this.#size;
      const lastFitting = room > 0 ? data.lastIndexOf(NEWLINE, offset + room - 1) : -1;
      const cut = lastFitting >= offset ? lastFitting : -1;
      if (this.#size > 0 && this.#endsWithNewline) {
        if (cut !== -1) offset = this.#write(data, offset, cut + 1);
        if (!this.#rotate()) break;
        continue;
      }
      // An empty file, or one that ends inside a line: finish a line here before rotating.
      const end = cut !== -1 ? cut : data.indexOf(NEWLINE, offset);
      if (end === -1) break;
      offset = this.#write(data, offset, end + 1);
    }
    if (offset < data.length) this.#write(data, offset, data.length);
  }

  /**
   * Writes the pieces with one writev; after a short or failed one, what is left goes out as
   * one buffer. Never piece by piece: were the held start of a line dropped and its end then
   * written, the file would show a torn line as if it were whole.
   */
  #writeAll(pieces: Buffer[], total: number): void {
    let written = 0;
    try {
      written = writevSync(this.#fd, pieces);
    } catch {
      // #write below tries again, and reports and counts what cannot be written.
    }
    if (written === total) {
      this.#wrote(total, pieces[pieces.length - 1]!);
      return;
    }
    const all = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, total);
    if (written > 0) this.#wrote(written, all.subarray(0, written));
    this.#write(all, written, total);
  }

  close(): Promise<void> {
    closeSync(this.#fd);
    return this.#compressing;
  }

  #write(data: Buffer, from: number, to: number): number {
    let offset = from;
    try {
      while (offset < to) offset += writeSync(this.#fd, data, offset, to - offset);
    } catch (error) {
      // A full disk must not stop the writer (the application would then block or die); the
      // lines are counted and said once writing works again.
      this.#droppedBytes += to - offset;
      if (this.#droppedBytes === to - offset) this.#onProblem(`Cannot write ${this.path}: ${(error as Error).message}; dropping output until it works again`);
      return to;
    }
    if (to > from) this.#wrote(to - from, data.subarray(from, to));
    return to;
  }

  /** Accounts for `bytes` written, `written` ending with the last of them. */
  #wrote(bytes: number, written: Buffer): void {
    this.#size += bytes;
    this.#endsWithNewline = written[written.length - 1] === NEWLINE;
    if (this.#droppedBytes > 0) {
      const dropped = this.#droppedBytes;
      this.#droppedBytes = 0;
      this.#onProblem(`Writing ${this.path} works again; ${dropped} bytes of output were dropped`);
    }
  }


  /** False when a rotation cannot happen now (a failed rename). */
  #rotate(): boolean {
    const { keep, compress } = this.#settings;
    try {
      // Only the rotated files that exist are moved: a large log_keep costs nothing extra.
      const present = this.#rotatedPresent();
      for (const gz of [false, true]) if (present.has(rotatedName('', keep, gz))) removeQuietly(rotatedName(this.path, keep, gz));
      // Highest first, and only the numbers found (a listing, not keep look-ups per rotation).
      const numbers = [...new Set([...present].map((suffix) => Number.parseInt(suffix.slice(1), 10)))].filter((n) => n < keep).sort((a, b) => b - a);
      for (const n of numbers) {
        for (const gz of [false, true]) {
          if (present.has(rotatedName('', n, gz))) renameIfPresent(rotatedName(this.path, n, gz), rotatedName(this.path, n + 1, gz));
        }
      }
      // rename() moves the name, never a link's target, and our descriptor follows the file.
      renameSync(this.path, rotatedName(this.path, 1, false));
    } catch (error) {
      this.#onProblem(`Cannot rotate ${this.path}: ${(error as Error).message}; it keeps growing`);
      return false;
    }
    const previous = this.#fd;
    try {
      this.#fd = openForAppend(this.path);
    } catch (error) {
      this.#onProblem(`Cannot reopen ${this.path} after rotating it: ${(error as Error).message}; writing on to ${rotatedName(this.path, 1, false)}`);
      return false;
    }
    closeSync(previous);
    this.#size = 0;
    this.#endsWithNewline = true;
    this.#rotations += 1;
    if (compress) {
      const rotation = this.#rotations;
      this.#compressing = this.#compressing.then(() => this.#gzip(rotation));
    }
    return true;
  }

  /** The suffixes (".3", ".3.gz") of this log's rotated files in its directory. */
  #rotatedPresent(): Set<string> {
    const base = basename(this.path);
    const found = new Set<string>();
    for (const name of readdirSync(dirname(this.path))) {
      if (name.length <= base.length || !name.startsWith(base)) continue;
      const suffix = name.slice(base.length);
      if (/^\.[1-9]\d*(\.gz)?$/.test(suffix)) found.add(suffix);
    }
    return found;
  }

  /**
   * Gzips the file that rotation number `rotation` made: LOG.1 then, LOG.k by now if more
   * rotations happened meanwhile. Its descriptor is read, so renames during the gzip do not
   * matter; the result takes the file's place under its number at that moment.
   */
  async #gzip(rotation: number): Promise<void> {
    const numberNow = (): number => 1 + this.#rotations - rotation;
    if (numberNow() > this.#settings.keep) return;
    const source = rotatedName(this.path, numberNow(), false);
    const temporary = `${dirname(this.path)}/.${basename(this.path)}.${rotation}.gz.tmp`;
    try {
      removeQuietly(temporary);
      const input = openSync(source, constants.O_RDONLY | constants.O_NOFOLLOW);
      const output = createExclusive(temporary);
      await pipeline(createReadStream('', { fd: input }), createGzip(), createWriteStream('', { fd: output }));
      const number = numberNow();
      if (number > this.#settings.keep) {
        removeQuietly(temporary);
        return;
      }
      renameSync(temporary, rotatedName(this.path, number, true));
      rmSync(rotatedName(this.path, number, false), { force: true });
    } catch (error) {
      removeQuietly(temporary);
      this.#onProblem(`Cannot gzip ${source}: ${(error as Error).message}; it stays uncompressed`);
    }
  }
}
