// Writes an export into a directory that may hold anything, since procodile often runs as
// root: every file goes to a new temporary file (O_EXCL, so nothing planted there is
// followed) and is renamed over its target (rename replaces a symlink, never writes through
// it). A file that exists and was not written by an earlier export is left alone unless forced.
// A subdirectory (a systemd drop-in) is written through an open descriptor of it, and must
// belong to us or to the owner of the output directory: another user who can write in the
// output directory (/tmp) could otherwise make it theirs, or swap it for a link mid-export.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, relative, isAbsolute } from 'node:path';
import { ProcodileError } from '../errors.js';
import { GENERATED_MARKER, type ExportFile } from './export-model.js';

/** How much of an existing file is read to find the marker (it is near the top). */
const MARKER_WINDOW = 4096;

export function writeExportFiles(outDir: string, files: readonly ExportFile[], force: boolean): string[] {
  mkdirSync(outDir, { recursive: true });
  // Check every target before writing any, so a refusal leaves the directory as it was.
  for (const file of files) checkTarget(outDir, file, force);
  return files.map((file) => writeOne(outDir, file));
}

function targetPath(outDir: string, file: ExportFile): string {
  const target = join(outDir, file.path);
  const inside = relative(outDir, target);
  if (inside.startsWith('..') || isAbsolute(inside)) throw new Error(`export file ${file.path} would leave ${outDir}`);
  return target;
}

function checkTarget(outDir: string, file: ExportFile, force: boolean): void {
  const target = targetPath(outDir, file);
  const parent = dirname(target);
  if (parent !== outDir) {
    const kind = entryKind(parent);
    if (kind !== 'missing' && kind !== 'directory') {
      throw new ProcodileError(
        'INVALID_ARGUMENT',
        `${parent} exists and is not a directory (it is a ${kind}); remove it and export again.`,
      );
    }
    if (kind === 'directory') checkOwner(outDir, parent, lstatSync(parent).uid);
  }
  const kind = entryKind(target);
  if (kind === 'missing' || force) return;
  if (kind !== 'file' || !hasMarker(target)) {
    throw new ProcodileError(
      'INVALID_ARGUMENT',
      `${target} exists and was not written by procodile export${kind === 'file' ? '' : ` (it is a ${kind})`}. Move it away, or pass --force to replace it.`,
    );
  }
}

function entryKind(path: string): 'missing' | 'file' | 'directory' | 'symlink' | 'special file' {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return 'symlink';
    if (stat.isDirectory()) return 'directory';
    return stat.isFile() ? 'file' : 'special file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

function hasMarker(path: string): boolean {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buffer = Buffer.alloc(MARKER_WINDOW);
    const length = readSync(fd, buffer, 0, MARKER_WINDOW, 0);
    return buffer.subarray(0, length).toString('utf8').includes(GENERATED_MARKER);
  } finally {
    closeSync(fd);
  }
}

/** Refuses a subdirectory that someone other than us or the output directory's owner owns. */
function checkOwner(outDir: string, dir: string, owner: number): void {
  const us = process.geteuid?.();
  if (us === undefined || owner === us || owner === statSync(outDir).uid) return;
  throw new ProcodileError(
    'INVALID_ARGUMENT',
    `${dir} belongs to uid ${owner}, who could change what procodile writes there; remove it and export again, or export into a directory only you can write.`,
  );
}

/** The directory's descriptor, opened without following a link, after checking whose it is. */
function openSubdirectory(outDir: string, dir: string): number {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch {
    throw new ProcodileError('INVALID_ARGUMENT', `${dir} is not a directory; remove it and export again.`);
  }
  try {
    checkOwner(outDir, dir, fstatSync(fd).uid);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

function writeOne(outDir: string, file: ExportFile): string {
  const target = targetPath(outDir, file);
  const parent = dirname(target);
  if (parent !== outDir && entryKind(parent) === 'missing') mkdirSync(parent, { mode: 0o755 });
  if (entryKind(parent) !== 'directory') {
    throw new ProcodileError('INVALID_ARGUMENT', `${parent} is not a directory; remove it and export again.`);
  }
  const dirFd = parent === outDir ? undefined : openSubdirectory(outDir, parent);
  // Through the descriptor, the names below stay in the directory just checked.
  const place = dirFd === undefined ? parent : `/proc/self/fd/${dirFd}`;
  const temporary = join(place, `.${randomBytes(6).toString('hex')}.procodile-export.tmp`);
  try {
    const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      writeSync(fd, file.content);
    } catch (error) {
      closeSync(fd);
      unlinkSync(temporary);
      throw error;
    }
    closeSync(fd);
    renameSync(temporary, join(place, basename(target)));
  } finally {
    if (dirFd !== undefined) closeSync(dirFd);
  }
  return target;
}
