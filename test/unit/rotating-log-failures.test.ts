// A log write that fails (a full disk) drops whole lines: the end of a line is never written
// without its start. The failure is pretended by replacing node:fs's write calls, which the
// log module's imports follow once the built-in module's exports are synced.
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RotatingLog } from '../../src/logging/rotating-log.js';

const dir = mkdtempSync('/tmp/pc-rlog-');
after(() => rmSync(dir, { recursive: true, force: true }));

const realWritev = fs.writevSync;
const realWrite = fs.writeSync;

/** Runs `body` with the disk full for the next `failures` write calls of either kind. */
function withFullDisk(failures: number, body: () => void): void {
  let left = failures;
  const full = (): never => {
    left -= 1;
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  fs.writevSync = ((...args: Parameters<typeof realWritev>) => (left > 0 ? full() : realWritev(...args)));
  fs.writeSync = ((...args: Parameters<typeof realWrite>) => (left > 0 ? full() : Reflect.apply(realWrite, fs, args))) as typeof realWrite;
  syncBuiltinESMExports();
  try {
    body();
  } finally {
    fs.writevSync = realWritev;
    fs.writeSync = realWrite;
    syncBuiltinESMExports();
  }
}

describe('a rotating log on a full disk', () => {
  it('drops the held start of a line together with its end, never the start alone', () => {
    const path = join(dir, 'web.log');
    const problems: string[] = [];
    const log = new RotatingLog(path, { maxSize: 1024 * 1024, keep: 3, compress: false }, (message) => problems.push(message));
    log.append(Buffer.from('first\n'));
    // The first write of the start and end together fails; the disk has room again right after.
    withFullDisk(2, () => log.append(Buffer.from('word\nnext\n'), Buffer.from('Password: ')));
    log.append(Buffer.from('last\n'));
    void log.close();
    assert.equal(readFileSync(path, 'latin1'), 'first\nlast\n', 'no torn line: the whole of it was dropped');
    assert.deepEqual(problems, [
      `Cannot write ${path}: ENOSPC: no space left on device, write; dropping output until it works again`,
      `Writing ${path} works again; 20 bytes of output were dropped`,
    ]);
  });
});
