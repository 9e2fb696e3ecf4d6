// Runtime files are never written through a planted link, whatever the umask, and a root
// supervisor refuses directories another user controls. These tests run as root (the test
// machine does), as they hand directories to `nobody`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ProcodileError } from '../../src/errors.js';
import { openForAppend, writeFileAtomically } from '../../src/runtime/safe-files.js';
import { checkRuntimeDirectory, ensureRuntimeDirectory } from '../../src/runtime/trusted-directories.js';
import { recordPath, writeRecord } from '../../src/runtime/adoption-record.js';
import { claimPidFile, readPidFile, writePidFile } from '../../src/runtime/pid-files.js';

const NOBODY = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());

let dir = '';
let victim = '';
beforeEach(() => {
  dir = mkdtempSync('/tmp/pc-');
  victim = join(dir, 'victim');
  writeFileSync(victim, 'secret\n', { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `action` with umask 000, the setting that once made pid files 0666. */
function withOpenUmask<T>(action: () => T): T {
  const previous = process.umask(0);
  try {
    return action();
  } finally {
    process.umask(previous);
  }
}

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('writing runtime files', () => {
  it('replaces a pid file planted as a link instead of writing through it', () => {
    const pidFile = join(dir, 'web.1.pid');
    symlinkSync(victim, pidFile);
    writePidFile(pidFile, 4242);
    assert.equal(readFileSync(victim, 'utf8'), 'secret\n', 'the link target is untouched');
    assert.ok(lstatSync(pidFile).isFile(), 'the pid file is now a file of its own');
    assert.equal(readFileSync(pidFile, 'utf8'), '4242\n');
  });

  it('claims a pid file only when nothing is there: never over the process\'s own, never through a link', () => {
    const pidFile = join(dir, 'web.1.pid');
    assert.equal(claimPidFile(pidFile, 4242), true);
    assert.equal(readPidFile(pidFile), 4242);
    // The process wrote its successor first: the claim leaves it.
    writeFileSync(pidFile, '5151\n');
    assert.equal(claimPidFile(pidFile, 4242), false);
    assert.equal(readPidFile(pidFile), 5151);
    const linked = join(dir, 'web.2.pid');
    symlinkSync(victim, linked);
    assert.equal(claimPidFile(linked, 4242), false);
    assert.equal(readFileSync(victim, 'utf8'), 'secret\n', 'the link target is untouched');
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.endsWith('.tmp')),
      [],
      'no temporary file is left behind',
    );
  });

  it('writes the adoption record through a fresh temporary name, not a guessable one', () => {
    // The name the record was once written through: predictable, and opened following links.
    symlinkSync(victim, `${recordPath(dir)}.${process.pid}`);
    symlinkSync(victim, recordPath(dir));
    writeRecord(dir, { instances: [{ process: 'web', id: 1, pid: 4242, respawns: 0 }], stoppingGroups: [] });
    assert.equal(readFileSync(victim, 'utf8'), 'secret\n');
    assert.ok(lstatSync(recordPath(dir)).isFile());
    assert.match(readFileSync(recordPath(dir), 'utf8'), /"pid":4242/);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.endsWith('.tmp')),
      [],
      'no temporary file is left behind',
    );
  });

  it('makes pid files and the record 0644 under umask 000', () => {
    withOpenUmask(() => {
      writePidFile(join(dir, 'web.1.pid'), 4242);
      writeRecord(dir, { instances: [], stoppingGroups: [] });
    });
    assert.equal(modeOf(join(dir, 'web.1.pid')), 0o644);
    assert.equal(modeOf(recordPath(dir)), 0o644);
  });

  it('refuses, naming the path, to append to a link, a FIFO or a hard link of another file', () => {
    const log = join(dir, 'web.log');
    symlinkSync(victim, log);
    assert.throws(() => openForAppend(log), (error: unknown) => {
      assert.ok(error instanceof ProcodileError);
      assert.equal(error.code, 'UNSAFE_PATH');
      assert.match(error.message, new RegExp(`${log}: it is a symbolic link`));
      return true;
    });
    rmSync(log);
    // A FIFO without a reader would block the supervisor for ever if opened plainly.
    execFileSync('mkfifo', [log]);
    assert.throws(() => openForAppend(log), /web\.log: it is not a regular file/);
    rmSync(log);
    linkSync(victim, log);
    assert.throws(() => openForAppend(log), /web\.log: it has another hard link/);
    assert.equal(readFileSync(victim, 'utf8'), 'secret\n');
  });

  it('creates a log 0644 under umask 000, and tightens one left writable by others', () => {
    const fresh = join(dir, 'fresh.log');
    closeSync(withOpenUmask(() => openForAppend(fresh)));
    assert.equal(modeOf(fresh), 0o644);
    const old = join(dir, 'old.log');
    writeFileSync(old, 'earlier\n');
    chmodSync(old, 0o666);
    closeSync(openForAppend(old));
    assert.equal(modeOf(old), 0o644);
    assert.equal(readFileSync(old, 'utf8'), 'earlier\n', 'appending keeps what was there');
  });

  it('leaves nothing behind when the write fails', () => {
    assert.throws(() => writeFileAtomically(join(dir, 'missing', 'web.1.pid'), '1\n'), { code: 'ENOENT' });
    assert.deepEqual(readdirSync(dir).sort(), ['victim']);
  });
});

describe('directories a root supervisor writes in', () => {
  const refusal = (path: string, setting: string, fix: RegExp) => (error: unknown) => {
    assert.ok(error instanceof ProcodileError);
    assert.equal(error.code, 'UNSAFE_PATH');
    assert.ok(error.message.includes(path), `names ${path}: ${error.message}`);
    assert.ok(error.message.includes(`(${setting})`), `names ${setting}: ${error.message}`);
    assert.match(error.message, fix);
    return true;
  };

  it('accepts a root-owned directory below a sticky world-writable one such as /tmp', () => {
    const pids = join(dir, 'pids');
    ensureRuntimeDirectory({ path: pids, setting: 'pid_root' }, 0);
    assert.equal(modeOf(pids), 0o755);
  });

  it('refuses a directory owned by another user', () => {
    const pids = join(dir, 'pids');
    mkdirSync(pids, { mode: 0o755 });
    chownSync(pids, NOBODY, NOBODY);
    assert.throws(() => checkRuntimeDirectory({ path: pids, setting: 'pid_root' }, 0), refusal(pids, 'pid_root', /chown root/));
  });

  it('refuses a directory others can write, even with the sticky bit', () => {
    const log = join(dir, 'log');
    mkdirSync(log);
    for (const mode of [0o775, 0o757, 0o1777]) {
      chmodSync(log, mode);
      assert.throws(() => checkRuntimeDirectory({ path: log, setting: 'log_root' }, 0), refusal(log, 'log_root', /chmod go-w/));
    }
  });

  it('refuses a directory below one that another user owns or can write, before creating it', () => {
    chownSync(dir, NOBODY, NOBODY);
    const pids = join(dir, 'pids');
    assert.throws(() => ensureRuntimeDirectory({ path: pids, setting: 'pid_root' }, 0), refusal(dir, 'pid_root', /chown root/));
    assert.throws(() => lstatSync(pids), { code: 'ENOENT' }, 'nothing was created');
    chownSync(dir, 0, 0);
    chmodSync(dir, 0o777);
    assert.throws(() => ensureRuntimeDirectory({ path: pids, setting: 'pid_root' }, 0), refusal(dir, 'pid_root', /chmod go-w/));
  });

  it('checks where a link leads as well as the link', () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o755 });
    chownSync(elsewhere, NOBODY, NOBODY);
    const pids = join(dir, 'pids');
    symlinkSync(elsewhere, pids);
    assert.throws(() => checkRuntimeDirectory({ path: pids, setting: 'pid_root' }, 0), refusal(elsewhere, 'pid_root', /chown root/));
  });

  it('leaves a supervisor that does not run as root alone', () => {
    chmodSync(dir, 0o777);
    const pids = join(dir, 'pids');
    withOpenUmask(() => ensureRuntimeDirectory({ path: pids, setting: 'pid_root' }, 1000));
    assert.equal(modeOf(pids), 0o755, 'created, and not writable by others whatever the umask');
  });
});
