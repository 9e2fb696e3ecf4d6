// Reading the pid directory's lock (src/runtime/supervisor-lock.ts): an early supervisor polls
// it before anything has checked who else can write the directory, so a planted FIFO, link or
// huge file must neither block, follow nor fill memory.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readProcStat } from '../../src/proc/liveness.js';
import { lockNames, lockPath } from '../../src/runtime/supervisor-lock.js';

describe('the supervisor lock', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const pidRoot = (): string => {
    const dir = mkdtempSync('/tmp/pc-lock-');
    dirs.push(dir);
    return dir;
  };
  const own = `${process.pid} ${readProcStat(process.pid)?.startTime}\n`;

  it('names its holder by pid and start time', () => {
    const root = pidRoot();
    writeFileSync(lockPath(root), own);
    assert.equal(lockNames(root, process.pid), true);
    writeFileSync(lockPath(root), `${process.pid} 1\n`);
    assert.equal(lockNames(root, process.pid), false, 'a recycled pid is not the holder');
  });

  it('names nobody when the lock is a FIFO, a link or far too large', () => {
    const fifo = pidRoot();
    execFileSync('mkfifo', [lockPath(fifo)]);
    // Reading a FIFO with no writer would block here for ever.
    assert.equal(lockNames(fifo, process.pid), false);

    const linked = pidRoot();
    const target = join(linked, 'elsewhere');
    writeFileSync(target, own);
    symlinkSync(target, lockPath(linked));
    assert.equal(lockNames(linked, process.pid), false, 'a link is not followed');

    const zero = pidRoot();
    symlinkSync('/dev/zero', lockPath(zero));
    assert.equal(lockNames(zero, process.pid), false);

    const large = pidRoot();
    writeFileSync(lockPath(large), own + ' '.repeat(4096));
    assert.equal(lockNames(large, process.pid), false);
  });
});
