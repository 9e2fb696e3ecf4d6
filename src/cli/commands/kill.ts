// `procodile kill`: SIGKILL to the supervisor and to every managed process group (D3), for
// when nothing else works. The supervisor goes first so it cannot respawn what is killed.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readProcStat } from '../../proc/liveness.js';
import { signalGroup, signalPid } from '../../proc/process-group.js';
import { readRecord, recordPath } from '../../supervisor/adoption-record.js';
import { readPidFile } from '../../supervisor/pid-files.js';
import { isProcodileProcess } from '../../daemon/supervisor-lock.js';
import type { CommandHandler } from '../context.js';

export const runKill: CommandHandler = (ctx) => {
  const { app, term } = ctx;
  const { pidRoot } = app;
  // A recorded start time that no longer matches means the pid was recycled: never signal it (D5).
  const recorded = new Map(readRecord(pidRoot).map((r) => [`${r.process}.${r.id}.pid`, r.procStartTime]));
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
    const startTime = recorded.get(file);
    if (startTime !== undefined && stat?.startTime !== startTime) continue;
    const delivered = stat?.pgid === pid ? signalGroup(pid, 'SIGKILL') : signalPid(pid, 'SIGKILL');
    if (delivered) term.out(`Sent KILL -9 to ${pid} (${name})`);
  }
  rmSync(recordPath(pidRoot), { force: true });
  return Promise.resolve(0);
};
