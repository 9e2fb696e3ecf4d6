// Writing the supervisor's runtime files (pid files, the adoption record, logs) so that a link
// planted in their place can never redirect a write, and so that no umask makes them writable
// by others (README.md, "Running as root").
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fstatSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ProcodileError } from '../errors.js';

/** Runtime files are readable by everyone (status tools read pid files) and writable by the owner. */
export const RUNTIME_FILE_MODE = 0o644;

const { O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_WRONLY } = constants;

/** How many fresh temporary names to try before giving up: a clash means someone plants them. */
const TEMPORARY_TRIES = 5;

function unsafe(path: string, why: string): ProcodileError {
  return new ProcodileError(
    'UNSAFE_PATH',
    `Refusing to write ${path}: ${why}. Remove it, and keep its directory writable only by the user that runs procodile.`,
  );
}

/** An unsafe target as a ProcodileError; any other failure (permissions, a full disk) as it came. */
function openError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  // O_NOFOLLOW reports a symbolic link as ELOOP; a FIFO without a reader (O_NONBLOCK) as ENXIO.
  if (code === 'ELOOP') return unsafe(path, 'it is a symbolic link');
  if (code === 'ENXIO') return unsafe(path, 'it is not a regular file');
  return error;
}

/**
 * Opens a file created just now, exclusively, never through a link. The mode is set on the
 * open file as well, because the umask only narrows the mode given to open().
 */
export function createExclusive(path: string, mode = RUNTIME_FILE_MODE, extraFlags = 0): number {
  const fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | extraFlags, mode);
  try {
    fchmodSync(fd, mode);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

function writeAll(fd: number, content: string): void {
  const bytes = Buffer.from(content);
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written);
}

/**
 * Replaces `path` with `content`: written to a new file of an unpredictable name in the same
 * directory, then renamed over the target. rename() replaces a link instead of following it,
 * and a reader never sees a half-written file.
 */
export function writeFileAtomically(path: string, content: string, mode = RUNTIME_FILE_MODE): void {
  writeThroughTemporary(path, content, mode, (temporary) => renameSync(temporary, path));
}

/**
 * Creates `path` with `content` unless something is there already (false then): written to a
 * temporary file first and linked into place, so a reader never sees it half-written and the
 * link fails rather than replace or follow what is at `path`.
 */
export function writeFileIfAbsent(path: string, content: string, mode = RUNTIME_FILE_MODE): boolean {
  let created = false;
  writeThroughTemporary(path, content, mode, (temporary) => {
    try {
      linkSync(temporary, path);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    rmSync(temporary, { force: true });
  });
  return created;
}

function writeThroughTemporary(path: string, content: string, mode: number, place: (temporary: string) => void): void {
  let fd: number | undefined;
  let temporary = '';
  for (let attempt = 0; fd === undefined; attempt += 1) {
    // Hidden, so the pid directory's tidy-up never counts it as a stray file.
    temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      fd = createExclusive(temporary, mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt + 1 >= TEMPORARY_TRIES) {
        throw openError(temporary, error);
      }
    }
  }
  try {
    writeAll(fd, content);
    closeSync(fd);
    fd = undefined;
    place(temporary);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Opens `path` for appending (a log), creating it with `mode` if it is missing. A link, a
 * FIFO, a device or a file with a second hard link in its place is refused: each would let
 * whoever planted it choose what the writes reach.
 */
export function openForAppend(path: string, mode = RUNTIME_FILE_MODE): number {
  let fd: number;
  try {
    fd = createExclusive(path, mode, O_APPEND | O_NONBLOCK);
    return fd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw openError(path, error);
  }
  try {
    fd = openSync(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    throw openError(path, error);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw unsafe(path, 'it is not a regular file');
    if (stats.nlink > 1) throw unsafe(path, 'it has another hard link, so it is also some other file');
    // A log left group- or world-writable (an older run under umask 000) is tightened.
    if ((stats.mode & 0o022) !== 0 && stats.uid === process.geteuid?.()) fchmodSync(fd, stats.mode & 0o755);
  } catch (error) {
    closeSync(fd);
    throw openError(path, error);
  }
  return fd;
}
