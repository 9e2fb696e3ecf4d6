// `procodile kill`: SIGKILL to the supervisor and to every managed process group, for
// when nothing else works. The supervisor goes first so it cannot respawn what is killed.
// Only what the supervisor's record vouches for is killed (README.md, "Pid files and what procodile signals"):
// a pid file alone proves nothing, since anyone who can write it can name any process.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, isSameProcess, readProcStat } from '../../proc/liveness.js';
import { signalGroup, signalPid } from '../../proc/process-group.js';
import { runningLogWriter } from '../../logging/log-writer-paths.js';
import { adoptableRecords, readRecord, recordPath } from '../../runtime/adoption-record.js';
import { isRecordedProcess, ownedMembers } from '../../runtime/ownership.js';
import { readPidFile } from '../../runtime/pid-files.js';
import { lockHolder } from '../../runtime/supervisor-lock.js';
import { checkRoot, identifySupervisor } from '../../control/client.js';
import { supervisorRootOf } from '../../daemon/find-supervisor.js';
import { ProcodileError, processesOfAnotherRoot } from '../../errors.js';
import { sameRoot } from '../../config/paths.js';
import { defineCommand, type CommandContext } from '../define-command.js';

/** How long `kill` asks a supervisor whose title does not say its root; it may be stuck. */
const IDENTIFY_MS = 2000;

/**
 * Two applications configured with one pid_root must not kill each other: the title of the
 * proven supervisor names its root even when it is stopped or stuck, and the socket is asked
 * only when the title does not say.
 */
async function checkSupervisorRoot(app: CommandContext['app'], pid: number): Promise<void> {
  const titled = supervisorRootOf(pid);
  if (titled !== undefined) {
    checkRoot(app, { root: titled });
    return;
  }
  try {
    await identifySupervisor(app, IDENTIFY_MS);
  } catch (error) {
    if (error instanceof ProcodileError && error.code === 'WRONG_SUPERVISOR') throw error;
  }
}

async function runKill(ctx: CommandContext): Promise<number> {
  const { app, term } = ctx;
  const { pidRoot } = app;
  // The supervisor is the process the lock names with its start time: only the supervisor can
  // have written that owner-only file. Once it has died, the pid in procodile.pid may be handed
  // to anyone, who can give it any title: such a process must neither stop `kill` (by naming
  // another root) nor be killed.
  const supervisor = lockHolder(pidRoot);
  if (supervisor !== undefined) await checkSupervisorRoot(app, supervisor);
  const record = readRecord(pidRoot);
  // With that supervisor dead, its record still says whose processes these are.
  const theirRoot = record.root;
  const alive = (): boolean => adoptableRecords(pidRoot).length > 0 || record.stoppingGroups.some((g) => ownedMembers(g).length > 0);
  if (theirRoot !== undefined && !sameRoot(theirRoot, app.root) && alive()) throw processesOfAnotherRoot(pidRoot, theirRoot, app.root, 'kill them');
  const records = new Map(record.instances.map((r) => [`${r.process}.${r.id}.pid`, r]));
  const files = readdirSync(pidRoot).filter((f) => f.endsWith('.pid'));
  files.sort((a, b) => a.localeCompare(b));
  const killed = new Set<string>();
  if (supervisor !== undefined && signalPid(supervisor, 'SIGKILL')) term.out(`Sent KILL -9 to ${supervisor} (procodile)`);
  const killInstance = (name: string, pid: number, pgid: number | undefined): void => {
    // The whole group: a successor that does not lead it still takes its workers along;
    // but only the group the trusted process is in, whatever else the record claims.
    const group = pgid !== undefined && readProcStat(pid)?.pgid === pgid ? pgid : undefined;
    const delivered = group !== undefined && signalGroup(group, 'SIGKILL') ? true : signalPid(pid, 'SIGKILL');
    if (delivered) term.out(`Sent KILL -9 to ${pid} (${name})`);
    killed.add(name);
  };
  for (const file of files) {
    const path = join(pidRoot, file);
    const pid = readPidFile(path);
    rmSync(path, { force: true });
    if (pid === undefined || !isAlive(pid)) continue;
    const name = file.replace(/\.pid$/, '');
    if (file === 'procodile.pid') {
      if (pid !== supervisor) term.err(`Left PID ${pid} (${name}) alone: it is not the supervisor that holds ${pidRoot}.`);
      continue;
    }
    const recorded = records.get(file);
    if (recorded === undefined) {
      term.err(
        `Left PID ${pid} (${name}) alone: procodile has no record of starting it, and a pid file alone does not prove ` +
          'it is part of the application. If it is, stop it by hand.',
      );
      continue;
    }
    // Never a recycled pid: the recorded process itself, or a member of its recorded group.
    if (!isRecordedProcess(recorded, pid)) {
      term.err(`Left PID ${pid} (${name}) alone: it is not a process procodile started.`);
      continue;
    }
    killInstance(name, pid, recorded.pgid);
  }
  // Recorded instances whose pid file has gone are still ours.
  for (const [file, recorded] of records) {
    const name = file.replace(/\.pid$/, '');
    if (!killed.has(name) && isSameProcess(recorded.pid, recorded.procStartTime) && recorded.procStartTime !== undefined) {
      killInstance(name, recorded.pid, recorded.pgid);
    }
  }
  // Groups the supervisor was stopping when it died (a restart's old instances).
  for (const group of record.stoppingGroups) {
    if (ownedMembers(group).length > 0 && signalGroup(group.pgid, 'SIGKILL')) {
      term.out(`Sent KILL -9 to process group ${group.pgid} (${group.description}, being stopped)`);
    }
  }
  rmSync(recordPath(pidRoot), { force: true });
  await endLogWriter(pidRoot, (line) => term.out(line));
  return 0;
}

/** How long the log writer may take to write what the killed processes left and exit. */
const WRITER_GRACE_MS = 2000;

/**
 * With every writer to it gone, the log writer finishes the logs and exits by itself; one
 * that has not after a grace period gets SIGKILL too, so that nothing of the app is left.
 */
async function endLogWriter(pidRoot: string, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + WRITER_GRACE_MS;
  for (let writer = runningLogWriter(pidRoot); writer !== undefined; writer = runningLogWriter(pidRoot)) {
    if (Date.now() >= deadline) {
      if (signalPid(writer, 'SIGKILL')) say(`Sent KILL -9 to ${writer} (log writer)`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const killCommand = defineCommand({
  name: 'kill',
  description: 'Forcefully kill all managed processes',
  options: [],
  behaviour: { brokenConfig: 'use-pid-directory' },
  run: runKill,
});
