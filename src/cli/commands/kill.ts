// `procodile kill`: SIGKILL to the supervisor and to every managed process group (D3), for
// when nothing else works. The supervisor goes first so it cannot respawn what is killed.
import { readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { groupHasLiveMembers, isAlive, readProcStat } from '../../proc/liveness.js';
import { signalGroup, signalPid } from '../../proc/process-group.js';
import { readRecord, recordPath } from '../../supervisor/adoption-record.js';
import { readPidFile } from '../../supervisor/pid-files.js';
import { isProcodileProcess } from '../../daemon/supervisor-lock.js';
import type { CommandHandler } from '../context.js';

/** A process working in the application: what an instance without a record must be. */
function worksIn(pid: number, root: string): boolean {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd === root || cwd.startsWith(`${root}/`);
  } catch {
    return false;
  }
}

export const runKill: CommandHandler = (ctx) => {
  const { app, term } = ctx;
  const { pidRoot } = app;
  const records = new Map(readRecord(pidRoot).map((r) => [`${r.process}.${r.id}.pid`, r]));
  const files = readdirSync(pidRoot).filter((f) => f.endsWith('.pid'));
  files.sort((a, b) => (a === 'procodile.pid' ? -1 : b === 'procodile.pid' ? 1 : a.localeCompare(b)));
  for (const file of files) {
    const path = join(pidRoot, file);
    const pid = readPidFile(path);
    rmSync(path, { force: true });
    if (pid === undefined || !isAlive(pid)) continue;
    const name = file.replace(/\.pid$/, '');
    const stat = readProcStat(pid);
    if (file === 'procodile.pid') {
      if (!isProcodileProcess(pid)) continue;
      if (signalPid(pid, 'SIGKILL')) term.out(`Sent KILL -9 to ${pid} (${name})`);
      continue;
    }
    // Never a recycled pid (D5): the recorded process itself (same start time), a successor it
    // wrote into its pid file (same process group), or, with no record, a process of this app.
    const record = records.get(file);
    const trusted =
      record === undefined
        ? worksIn(pid, app.root)
        : record.pid === pid
          ? record.procStartTime === undefined || stat?.startTime === record.procStartTime
          : record.pgid !== undefined && stat?.pgid === record.pgid;
    if (!trusted) {
      term.err(`Left PID ${pid} (${name}) alone: it is not a process procodile started.`);
      continue;
    }
    // The whole group (D3): a successor that does not lead it still takes its workers along.
    const pgid = record?.pgid ?? (stat?.pgid === pid ? pid : undefined);
    const delivered =
      pgid !== undefined && groupHasLiveMembers(pgid) ? signalGroup(pgid, 'SIGKILL') : signalPid(pid, 'SIGKILL');
    if (delivered) term.out(`Sent KILL -9 to ${pid} (${name})`);
  }
  rmSync(recordPath(pidRoot), { force: true });
  return Promise.resolve(0);
};
