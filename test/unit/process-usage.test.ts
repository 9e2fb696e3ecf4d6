// The sampler's reading of /proc: stat lines parsed in place (odd command names, lines cut
// short by a process that exited while the kernel wrote them), one pass that keeps only the
// groups and pids asked for, and the same figures as the kernel's own text for real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readProcStat, readStatFields } from '../../src/proc/liveness.js';
import { signalGroup } from '../../src/proc/process-group.js';
import { FULL_READ_EVERY, parseStat, systemPageSize, UsageReader, type StatFields } from '../../src/proc/process-usage.js';
import { waitFor } from '../helpers/app.js';

const started: ChildProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const child of started) if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A stat line as the kernel writes it, with the fields the sampler reads set. */
function statLine(o: { pid: number; comm?: string; state?: string; ppid?: number; pgid: number; session?: number; utime?: number; stime?: number; start?: number; rss?: number }): string {
  // Fields 3 to 52 of proc(5); negative priority and nice, as a real-time or reniced process has.
  const f = [o.state ?? 'S', o.ppid ?? 1, o.pgid, o.session ?? o.pgid, 0, -1, 4194560, 120, 0, 0, 0, o.utime ?? 0, o.stime ?? 0, 0, 0, -21, -5, 1, 0, o.start ?? 500, 10_000_000, o.rss ?? 0];
  const rest = '18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0';
  return `${o.pid} (${o.comm ?? 'sleep'}) ${f.join(' ')} ${rest}\n`;
}

const fields = (): StatFields => ({ state: 0, ppid: 0, pgid: 0, session: 0, cpuTicks: 0, startTime: 0, rssPages: 0 });

function parse(line: string): StatFields | undefined {
  const buffer = Buffer.from(line, 'latin1');
  const into = fields();
  return parseStat(buffer, buffer.length, into) ? into : undefined;
}

describe('parseStat', () => {
  it('reads state, parents, CPU, start time and RSS after the last parenthesis of the name', () => {
    const line = statLine({ pid: 4242, comm: 'a) S 1 2 (b c', state: 'R', ppid: 7, pgid: 4240, session: 4000, utime: 250, stime: 125, start: 98765, rss: 321 });
    assert.deepEqual(parse(line), { state: 'R'.charCodeAt(0), ppid: 7, pgid: 4240, session: 4000, cpuTicks: 375, startTime: 98765, rssPages: 321 });
    const kernelWorker = statLine({ pid: 4194304, comm: 'kworker/u8:2-events_unbound_with_a_long_queue_name_here', pgid: 0, ppid: 2 });
    assert.equal(parse(kernelWorker)?.ppid, 2, 'a long kernel worker name');
  });

  it('refuses a line cut short anywhere, an empty read and text that is not a stat line', () => {
    const line = statLine({ pid: 4242, pgid: 4240, rss: 321 });
    const rss = line.indexOf(' 321 ') + 1;
    for (const cut of [0, 5, 12, 14, 20, 60, rss, rss + 2, rss + 3]) assert.equal(parse(line.slice(0, cut)), undefined, `cut at ${cut}: ${line.slice(0, cut)}`);
    assert.notEqual(parse(line.slice(0, rss + 4)), undefined, 'everything up to rss and the space after it is enough');
    assert.equal(parse('no parenthesis here at all'), undefined);
    assert.equal(parse(line.replace(' 321 ', ' x ')), undefined, 'a field read that is not a number');
  });

  it('reads what the kernel writes for a real process as the string parser does', () => {
    const into = fields();
    const buffer = Buffer.alloc(4096);
    const line = Buffer.from(`${process.pid} (node) ` + readStatFields(process.pid)!.join(' '), 'latin1');
    line.copy(buffer);
    assert.equal(parseStat(buffer, line.length, into), true);
    const stat = readProcStat(process.pid)!;
    assert.deepEqual([into.ppid, into.pgid, into.startTime], [stat.ppid, stat.pgid, stat.startTime]);
    assert.equal(into.session, Number(readStatFields(process.pid)![3]));
  });
});

/** A pretend /proc in a temp dir, with pids as directories holding a stat file. */
function fakeProc(): { proc: string; write: (pid: string, text?: string) => void; remove: (pid: string) => void } {
  const proc = mkdtempSync('/tmp/pc-proc-');
  dirs.push(proc);
  return {
    proc,
    write: (pid, text) => {
      mkdirSync(join(proc, pid), { recursive: true });
      if (text !== undefined) writeFileSync(join(proc, pid, 'stat'), text);
    },
    remove: (pid) => rmSync(join(proc, pid), { recursive: true }),
  };
}

const pidsOf = (list: { pid: number }[]): number[] => list.map((p) => p.pid).sort((a, b) => a - b);

describe('UsageReader', () => {
  it('keeps only the groups and pids asked for, and skips zombies and processes gone mid-read', () => {
    const { proc, write } = fakeProc();
    write('100', statLine({ pid: 100, pgid: 100, utime: 10, stime: 5, rss: 10 }));
    write('101', statLine({ pid: 101, ppid: 100, pgid: 100, utime: 1, rss: 3 }));
    write('102', statLine({ pid: 102, pgid: 102, rss: 99 })); // another group
    write('103', statLine({ pid: 103, ppid: 100, pgid: 100, state: 'Z' })); // a zombie
    write('104'); // exited between the listing and the open: no stat file
    write('105', ''); // exited while being read: nothing came back
    write('106', statLine({ pid: 106, pgid: 100, rss: 7 }).slice(0, 40)); // cut short
    write('107', statLine({ pid: 107, ppid: 100, pgid: 107, utime: 2, rss: 4 })); // a main process that left its group
    write('self', statLine({ pid: 100, pgid: 100 }));
    const page = systemPageSize();
    const found = new UsageReader(proc).read(new Set([100]), new Set([107])).sort((a, b) => a.pid - b.pid);
    assert.deepEqual(found, [
      { pid: 100, ppid: 1, pgid: 100, startTime: 500, cpuTicks: 15, rssBytes: 10 * page },
      { pid: 101, ppid: 100, pgid: 100, startTime: 500, cpuTicks: 1, rssBytes: 3 * page },
      { pid: 107, ppid: 100, pgid: 107, startTime: 500, cpuTicks: 2, rssBytes: 4 * page },
    ]);
    assert.deepEqual(new UsageReader(proc).read(new Set(), new Set()), [], 'nothing asked, nothing read');
    assert.deepEqual(new UsageReader(join(proc, 'missing')).read(new Set([100]), new Set()), [], 'no /proc at all');
  });

  it('reads a process of another session once, and again when its pid is handed out anew', () => {
    const { proc, write, remove } = fakeProc();
    const reader = new UsageReader(proc);
    const groups = new Set([100]);
    write('100', statLine({ pid: 100, pgid: 100 }));
    write('200', statLine({ pid: 200, pgid: 200 }));
    assert.deepEqual(pidsOf(reader.read(groups, new Set())), [100]);
    // Impossible for a real process, which is why it is not read again: had it been, it would show.
    write('200', statLine({ pid: 200, pgid: 100 }));
    assert.deepEqual(pidsOf(reader.read(groups, new Set())), [100], 'skipped while listed');
    assert.deepEqual(pidsOf(reader.read(groups, new Set([200]))), [100, 200], 'a main process asked for by pid is always read');
    remove('200');
    assert.deepEqual(pidsOf(reader.read(groups, new Set())), [100]);
    write('200', statLine({ pid: 200, ppid: 100, pgid: 100 }));
    assert.deepEqual(pidsOf(reader.read(groups, new Set())), [100, 200], 'the pid came back: read again');
  });

  it('reads everything again when asked for a group it was not asked for before', () => {
    const { proc, write } = fakeProc();
    const reader = new UsageReader(proc);
    write('100', statLine({ pid: 100, pgid: 100 }));
    // A daemon in a session of its own and its worker, until the supervisor follows its pid file.
    write('200', statLine({ pid: 200, pgid: 200 }));
    write('201', statLine({ pid: 201, ppid: 200, pgid: 200 }));
    assert.deepEqual(pidsOf(reader.read(new Set([100]), new Set())), [100]);
    assert.deepEqual(pidsOf(reader.read(new Set([100]), new Set())), [100]);
    assert.deepEqual(pidsOf(reader.read(new Set([100, 200]), new Set([200]))), [100, 200, 201]);
  });

  it('reads a process of an instance session every time, whatever its group', () => {
    const { proc, write } = fakeProc();
    const reader = new UsageReader(proc);
    const groups = new Set([100]);
    write('100', statLine({ pid: 100, pgid: 100 }));
    write('300', statLine({ pid: 300, ppid: 100, pgid: 300, session: 100 }));
    assert.deepEqual(pidsOf(reader.read(groups, new Set())), [100]);
    write('300', statLine({ pid: 300, ppid: 100, pgid: 100, session: 100 }));
    assert.deepEqual(pidsOf(reader.read(groups, new Set())), [100, 300], 'it joined the group');
  });

  it('reads every process again once the pid counter has wrapped around', () => {
    const { proc, write } = fakeProc();
    const reader = new UsageReader(proc);
    const groups = new Set([100]);
    const lastPid = (pid: number): void => {
      mkdirSync(join(proc, 'sys/kernel'), { recursive: true });
      writeFileSync(join(proc, 'sys/kernel/ns_last_pid'), `${pid}\n`);
    };
    lastPid(300);
    write('100', statLine({ pid: 100, pgid: 100 }));
    write('200', statLine({ pid: 200, pgid: 200 }));
    assert.deepEqual(pidsOf(reader.read(groups, new Set())), [100]);
    // As in the test above: a change that cannot happen without a new process shows when read.
    write('200', statLine({ pid: 200, ppid: 100, pgid: 100 }));
    lastPid(310);
    assert.deepEqual(pidsOf(reader.read(groups, new Set())), [100], 'no wrap: still skipped');
    // The old 200 exited and the counter wrapped past it within one interval: 200 is a new process.
    lastPid(250);
    assert.deepEqual(pidsOf(reader.read(groups, new Set())), [100, 200], 'read again after the wrap');
  });

  it('reads the processes of the session of a group that does not lead its session', () => {
    const { proc, write } = fakeProc();
    const reader = new UsageReader(proc);
    // A daemon followed through its pid file: its group 100 lies in session 90, led by a
    // process that started it; 95 and 150 are in other groups of that session.
    const groups = new Set([100]);
    write('90', statLine({ pid: 90, pgid: 90, session: 90 }));
    write('95', statLine({ pid: 95, ppid: 90, pgid: 95, session: 90 }));
    write('100', statLine({ pid: 100, ppid: 90, pgid: 100, session: 90 }));
    write('150', statLine({ pid: 150, ppid: 100, pgid: 150, session: 90 }));
    write('200', statLine({ pid: 200, pgid: 200 }));
    assert.deepEqual(pidsOf(reader.read(groups, new Set([100]))), [100]);
    assert.deepEqual(pidsOf(reader.read(groups, new Set([100]))), [100]);
    // Both may move into group 100 (setpgid within one session).
    write('95', statLine({ pid: 95, ppid: 90, pgid: 100, session: 90 }));
    write('150', statLine({ pid: 150, ppid: 100, pgid: 100, session: 90 }));
    write('200', statLine({ pid: 200, pgid: 100 }));
    assert.deepEqual(pidsOf(reader.read(groups, new Set([100]))), [95, 100, 150], 'both joined; 200, of another session, stays skipped');
  });

  it(`reads every process again every ${FULL_READ_EVERY} passes`, () => {
    const { proc, write } = fakeProc();
    const reader = new UsageReader(proc);
    const groups = new Set([100]);
    write('100', statLine({ pid: 100, pgid: 100 }));
    write('200', statLine({ pid: 200, pgid: 200 }));
    reader.read(groups, new Set());
    write('200', statLine({ pid: 200, pgid: 100 }));
    const sawIt: number[] = [];
    for (let pass = 2; pass <= FULL_READ_EVERY + 1; pass += 1) if (reader.read(groups, new Set()).length === 2) sawIt.push(pass);
    assert.deepEqual(sawIt, [FULL_READ_EVERY, FULL_READ_EVERY + 1], 'read again on the full pass, and from then on as a member');
  });

  it('finds a real group with its child, and nothing once it has exited', async () => {
    const leader = spawn('sh', ['-c', 'sleep 300 & wait'], { detached: true, stdio: 'ignore' });
    started.push(leader);
    const pid = leader.pid!;
    const group = new Set([pid]);
    const reader = new UsageReader();
    const members = await waitFor(() => {
      const found = reader.read(group, new Set());
      // Memory, once both have settled: a child caught between fork and exec may show none.
      return found.length === 2 && found.every((m) => m.rssBytes > 0) ? found : undefined;
    }, 5000, 'the leader and its child, with resident memory');
    for (const member of members) {
      const stat = readProcStat(member.pid)!;
      assert.deepEqual([member.ppid, member.pgid, member.startTime], [stat.ppid, stat.pgid, stat.startTime], `pid ${member.pid}`);
    }
    assert.deepEqual(members.map((m) => m.pid).sort((a, b) => a - b)[0], pid);
    signalGroup(pid, 'SIGKILL');
    await waitFor(() => (reader.read(group, new Set()).length === 0 ? true : undefined), 5000, 'the group gone');
  });
});
