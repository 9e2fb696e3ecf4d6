// Reads a configuration file only when it is of a size a person writes. A Procfile, an options
// file, an env file or /etc/procodile of megabytes is a mistake (or an attack), and parsing one
// kept a supervisor busy for minutes; the size is checked before anything is parsed, and no
// more than the limit is ever read, even from a file that grows or never ends (a pipe).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

export class FileTooLargeError extends Error {
  constructor(readonly path: string) {
    super(
      `${path} is larger than 1 MiB, the most procodile reads from a configuration file. ` +
        'Check that it is the right file, and keep large data out of it.',
    );
  }
}

/** The file's text; throws FileTooLargeError past the limit, or the file system's error. */
export function readBoundedText(path: string, limit = MAX_CONFIG_FILE_BYTES): string {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > limit) throw new FileTooLargeError(path);
    const buffer = Buffer.alloc(stat.isFile() ? stat.size + 1 : Math.min(limit + 1, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      total += read;
      if (total > limit) throw new FileTooLargeError(path);
      chunks.push(Buffer.from(buffer.subarray(0, read)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
