// `tail -n N -F` in-process: the last lines of a file, then everything appended to it, across
// truncation and rotation, without spawning the system tail (a tail that never blocks on a missing file).
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

const CHUNK_SIZE = 64 * 1024;
const NEWLINE = 0x0a;
/** The stat poll that backs up fs.watch, which can miss events (NFS, inotify limits). */
const POLL_INTERVAL_MS = 250;
/** A file can shrink while being read backwards; starting over a few times is enough. */
const MAX_READ_ATTEMPTS = 3;

/**
 * The last `n` lines of `path` (of its first `end` bytes when given), exactly as `tail -n`
 * prints them: with the file's trailing newline if it has one, none added if it does not.
 */
export async function readLastLines(path: string, n: number, end?: number): Promise<string> {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`line count must be a whole number >= 0, got ${n}`);
  const handle = await open(path, 'r');
  try {
    for (let attempt = 1; ; attempt++) {
      const size = Math.min(end ?? Number.MAX_SAFE_INTEGER, (await handle.stat()).size);
      const text = await readLastLinesOf(handle, n, size);
      if (text !== undefined || attempt === MAX_READ_ATTEMPTS) return text ?? '';
    }
  } finally {
    await handle.close();
  }
}

/** Undefined when the file shrank under us, so the caller starts over with the new size. */
async function readLastLinesOf(handle: FileHandle, n: number, size: number): Promise<string | undefined> {
  if (n === 0 || size === 0) return '';
  const chunks: Buffer[] = [];
  let position = size;
  let start = 0;
  let newlines = 0;
  scan: while (position > 0) {
    const length = Math.min(CHUNK_SIZE, position);
    position -= length;
    const chunk = Buffer.alloc(length);
    if (!(await readFully(handle, chunk, position))) return undefined;
    chunks.unshift(chunk);
    for (let i = length - 1; i >= 0; i--) {
      // The newline that ends the file closes the last line; it does not start another one.
      if (chunk[i] !== NEWLINE || position + i === size - 1) continue;
      if (++newlines === n) {
        start = position + i + 1;
        break scan;
      }
    }
  }
  // Decoding the joined bytes once keeps multi-byte characters that straddle chunks intact.
  return Buffer.concat(chunks).subarray(start - position).toString('utf8');
}

async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<boolean> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) return false;
    filled += bytesRead;
  }
  return true;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(`Unexpected failure while following a file: ${JSON.stringify(value)}`);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export interface FollowOptions {
  /** False to rely on the stat poll alone (tests use it to prove the fallback works). */
  useWatch?: boolean;
}

/**
 * Streams data appended to `path` from byte `fromOffset` on, until `signal` aborts. A file
 * that shrinks was truncated and is read again from 0; a different file at `path` (rotation,
 * or the file coming back after being deleted) is read from 0 once the old one is drained.
 * Like `tail -F`, a truncation is only seen while the file is still shorter than what was
 * read; fs.watch reports it within milliseconds, so in practice only a writer that refills
 * the file faster than that can hide one. Rejects only on an unexpected I/O error.
 */
export function followFile(
  path: string,
  fromOffset: number,
  onData: (chunk: string) => void,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let handle: FileHandle | undefined;
    let identity = '';
    let position = 0;
    // Only the file present when following starts continues from `fromOffset`; any file that
    // appears later is new and is read from its beginning (an undefined offset means 0).
    let nextOffset: number | undefined = fromOffset;
    let decoder = new StringDecoder('utf8');
    let running: Promise<void> | undefined;
    let rerun = false;
    let finished = false;
    let watcher: FSWatcher | undefined;

    const emit = (text: string): void => {
      if (text !== '' && !signal.aborted) onData(text);
    };

    const openCurrent = async (): Promise<FileHandle | undefined> => {
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if (!isMissing(error)) throw error;
        nextOffset = undefined;
        return undefined;
      }
      const info = await handle.stat();
      identity = `${info.dev}:${info.ino}`;
      // An offset past the end means the file was truncated before we got here.
      position = nextOffset !== undefined && nextOffset <= info.size ? nextOffset : 0;
      nextOffset = undefined;
      return handle;
    };

    const drain = async (current: FileHandle): Promise<void> => {
      const buffer = Buffer.alloc(CHUNK_SIZE);
      while (!signal.aborted) {
        const { size } = await current.stat();
        if (size < position) {
          // Truncated in place (copytruncate, `> file`): what is there now is all new.
          position = 0;
          emit(decoder.end());
          decoder = new StringDecoder('utf8');
        }
        if (size === position) return;
        const { bytesRead } = await current.read(buffer, 0, Math.min(CHUNK_SIZE, size - position), position);
        if (bytesRead === 0) return;
        position += bytesRead;
        emit(decoder.write(buffer.subarray(0, bytesRead)));
      }
    };

    const check = async (): Promise<void> => {
      const current = handle ?? (await openCurrent());
      if (current === undefined) return;
      await drain(current);
      let info;
      try {
        info = await stat(path);
      } catch (error) {
        // Deleted or moved away: keep the old file open, since its writer may still append to
        // it, until a new file shows up at `path`.
        if (isMissing(error)) return;
        throw error;
      }
      if (`${info.dev}:${info.ino}` === identity) return;
      // Rotated: whatever the writer added to the old file before switching is still ours.
      await drain(current);
      emit(decoder.end());
      decoder = new StringDecoder('utf8');
      handle = undefined;
      await current.close();
      const next = await openCurrent();
      if (next !== undefined) await drain(next);
    };

    const stop = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      watcher?.close();
      signal.removeEventListener('abort', onAbort);
      // Let a check in progress finish before closing the file it may be reading.
      void (running ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => handle?.close())
        .catch(() => undefined)
        .then(() => (error === undefined ? resolve() : reject(toError(error))));
    };

    // Checks never overlap: a trigger during a check asks for one more pass afterwards, so an
    // event is never dropped and two reads never race for the same offset.
    const trigger = (): void => {
      if (finished) return;
      if (running !== undefined) {
        rerun = true;
        return;
      }
      running = (async () => {
        do {
          rerun = false;
          await check();
        } while (rerun && !finished);
      })()
        .catch((error: unknown) => stop(error))
        .finally(() => {
          running = undefined;
        });
    };

    const timer = setInterval(trigger, POLL_INTERVAL_MS);
    const onAbort = (): void => stop();
    signal.addEventListener('abort', onAbort, { once: true });
    if (options.useWatch !== false) watcher = watchDirectory(path, trigger);
    trigger();
  });
}

function watchDirectory(path: string, onChange: () => void): FSWatcher | undefined {
  try {
    // The directory, not the file: a watch on the file follows its inode, so it would go quiet
    // after a rotation and never report the new file's creation.
    const watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
      if (name === null || name === basename(path)) onChange();
    });
    // Watching is only a shortcut; the poll carries on alone.
    watcher.on('error', () => watcher.close());
    return watcher;
  } catch {
    return undefined;
  }
}
