// The `ready: notify` receiver: how its output is framed and read, where its socket goes, and
// the real perl helper receiving what systemd-notify sends, then leaving nothing behind.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { isAlive } from '../../src/proc/liveness.js';
import {
  announcesReady,
  createSocketDirectory,
  findPerl,
  NotifyReceiver,
  parseReceiverLine,
  perlWarnings,
  RECEIVER_SCRIPT,
  ReceiverFraming,
} from '../../src/supervisor/notify-receiver.js';
import { ReadinessWatch, systemProbes, type Probe, type ReadyOutcome } from '../../src/supervisor/readiness.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { waitFor } from '../helpers/app.js';
import { appConfig } from '../helpers/fake-supervisor.js';
import { definition } from '../helpers/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempDir(): string {
  const dir = mkdtempSync('/tmp/nr-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function hex(text: string): string {
  return Buffer.from(text).toString('hex');
}

/** Sends one notification the way applications do, with systemd's own tool. */
function systemdNotify(socket: string, ...assignments: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('systemd-notify', assignments, { env: { NOTIFY_SOCKET: socket, PATH: process.env.PATH } }, (error) =>
      error === null ? resolve() : reject(new Error(error.message)),
    );
  });
}

describe('receiver framing', () => {
  it('reads `bound` and hex datagrams across chunk boundaries', () => {
    const framing = new ReceiverFraming();
    const line = `datagram ${hex('STATUS=warming up\nREADY=1')}\n`;
    assert.deepEqual(framing.feed('bou'), []);
    assert.deepEqual(framing.feed(`nd\n${line.slice(0, 12)}`), [{ kind: 'bound' }]);
    assert.deepEqual(framing.feed(line.slice(12)), [{ kind: 'datagram', text: 'STATUS=warming up\nREADY=1' }]);
  });

  it('ignores lines that are not the receiver’s, and an overlong line as a whole', () => {
    assert.equal(parseReceiverLine('datagram 5'), undefined, 'odd number of hex digits');
    assert.equal(parseReceiverLine('datagram READY=1'), undefined);
    assert.equal(parseReceiverLine('Use of uninitialized value'), undefined);
    const framing = new ReceiverFraming();
    assert.deepEqual(framing.feed(`datagram ${'ab'.repeat(6000)}`), []);
    assert.deepEqual(framing.feed(`${hex('READY=1')}\nbound\n`), [{ kind: 'bound' }], 'the tail of the long line is not read as a datagram');
  });

  it('counts READY=1 anywhere among the assignments, and nothing else', () => {
    assert.equal(announcesReady('READY=1'), true);
    assert.equal(announcesReady('STATUS=ok\nREADY=1\nMAINPID=7'), true);
    assert.equal(announcesReady('READY=1\n'), true);
    for (const text of ['READY=0', 'READY=10', 'NOTREADY=1', 'STATUS=READY=1', 'STATUS=starting', '']) assert.equal(announcesReady(text), false, text);
  });
});

describe('socket directory', () => {
  it('is private and in the preferred directory when the socket path fits', () => {
    const base = tempDir();
    const dir = createSocketDirectory(base);
    assert.equal(dirname(dir), base);
    assert.match(dir, /\/\.notify-[A-Za-z0-9]{6}$/);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  it('goes to the temporary directory when the preferred one is too deep for a socket path', () => {
    const deep = join(tempDir(), 'x'.repeat(90));
    const dir = createSocketDirectory(deep);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    assert.equal(dirname(dir), tmpdir());
    assert.ok(Buffer.byteLength(join(dir, 'notify.sock')) <= 107);
  });
});

describe('finding perl', () => {
  it('looks on PATH only, and check warns for each ready: notify process without it', () => {
    const empty = tempDir();
    assert.equal(findPerl(empty), undefined);
    assert.equal(findPerl(undefined), undefined);
    assert.ok(findPerl(`${empty}:/usr/bin`)?.endsWith('/perl'));
    const app = appConfig('/tmp/pids', [
      definition({ name: 'web', ready: { kind: 'notify' } }),
      definition({ name: 'api', ready: { kind: 'notify' }, env: { PATH: '/usr/bin' } }),
      definition({ name: 'worker' }),
    ]);
    const warnings = perlWarnings(app, empty);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /^processes\.web: ready: notify needs perl .* install perl-base/);
  });
});

describe('the perl receiver', () => {
  function openProbe(runtimeDir: string): Probe {
    const probe = systemProbes().open({ kind: 'notify' }, { cwd: '/tmp', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, runtimeDir });
    assert.ok(!('problem' in probe), 'problem' in probe ? probe.problem : '');
    cleanups.push(() => probe.close());
    return probe;
  }

  it('binds before the instance would start, passes on READY=1, and removes everything on close', async () => {
    const runtimeDir = tempDir();
    const probe = openProbe(runtimeDir);
    const prepared = await probe.prepare?.();
    assert.ok(prepared !== undefined && 'env' in prepared, JSON.stringify(prepared));
    const socket = prepared.env.NOTIFY_SOCKET ?? '';
    assert.equal(dirname(dirname(socket)), runtimeDir);
    assert.ok(statSync(socket).isSocket());
    await systemdNotify(socket, 'STATUS=warming up');
    assert.equal(await probe.attempt(), false, 'a status alone is not readiness');
    await systemdNotify(socket, '--ready', 'STATUS=serving');
    await waitFor(() => probe.attempt(), 5000, 'READY=1 to be seen');
    probe.close();
    assert.equal(existsSync(dirname(socket)), false, 'the socket and its directory are gone');
  });

  it('ends when closed, leaving no process', async () => {
    const receiver = new NotifyReceiver(findPerl(process.env.PATH) ?? 'perl', createSocketDirectory(tempDir()), '/tmp');
    cleanups.push(() => receiver.close());
    assert.equal(await receiver.bound, undefined);
    const pid = receiver.pid ?? 0;
    assert.ok(isAlive(pid));
    receiver.close();
    await waitFor(() => !isAlive(pid), 5000, 'the receiver to exit');
    assert.equal(existsSync(dirname(receiver.socketPath)), false);
    assert.equal(receiver.problem, undefined, 'a receiver that was closed has no problem to report');
  });

  it('exits on its own, removing the socket, when its stdin closes (the supervisor died)', async () => {
    const dir = createSocketDirectory(tempDir());
    const socket = join(dir, 'notify.sock');
    const child = spawn(findPerl(process.env.PATH) ?? 'perl', ['-e', RECEIVER_SCRIPT, '--', dir, socket], { env: {}, stdio: ['pipe', 'pipe', 'inherit'] });
    cleanups.push(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('bound\n'), 5000, 'the socket to be bound');
    assert.ok(statSync(socket).isSocket());
    child.stdin.end();
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.equal(existsSync(dir), false, 'the socket and its directory are gone');
  });

  it('says so when the receiver dies, and removes its socket', async () => {
    const receiver = new NotifyReceiver(findPerl(process.env.PATH) ?? 'perl', createSocketDirectory(tempDir()), '/tmp');
    cleanups.push(() => receiver.close());
    assert.equal(await receiver.bound, undefined);
    process.kill(receiver.pid ?? 0, 'SIGKILL');
    const problem = await waitFor(() => receiver.problem, 5000, 'the receiver to notice');
    assert.match(problem, /NOTIFY_SOCKET receiver \(perl\) exited with signal SIGKILL/);
    assert.equal(existsSync(dirname(receiver.socketPath)), false);
  });

  it('a check whose receiver died fails at the next try, not at the timeout', async () => {
    const clock = new FakeClock();
    const receiver: { problem?: string } = {};
    const probe: Probe = { attempt: () => Promise.resolve(false), watchOutput: () => undefined, broken: () => receiver.problem, close: () => undefined };
    const watch = new ReadinessWatch(probe, clock, 60_000, 'timed out');
    let settled: ReadyOutcome | undefined;
    void watch.outcome.then((o) => (settled = o));
    await clock.advance(1000);
    assert.equal(settled, undefined);
    receiver.problem = 'could not be checked any more: the receiver exited';
    await clock.advance(250);
    assert.deepEqual(settled, { ready: false, reason: 'could not be checked any more: the receiver exited' });
  });

  it('fails to prepare, naming perl, when PATH has none', () => {
    const opened = systemProbes().open({ kind: 'notify' }, { cwd: '/tmp', env: { PATH: tempDir() } });
    assert.ok('problem' in opened);
    assert.match(opened.problem, /ready: notify needs perl to receive READY=1 on NOTIFY_SOCKET, and there is none on PATH \(\/tmp\/nr-/);
  });
});
