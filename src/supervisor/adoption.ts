// Adoption: the instances a dead supervisor left running are put back into the table, the
// stops it had begun are finished, and this supervisor's own instances are written down for
// its successor (the record itself is src/runtime/adoption-record.ts).
import type { Logger } from '../logging/logger.js';
import { adoptableRecords, readRecord, writeRecord, type InstanceRecord, type RunMemory } from '../runtime/adoption-record.js';
import type { StoppingGroup } from '../runtime/ownership.js';
import type { GroupSweeper } from './group-sweeper.js';
import type { Instance } from './instance.js';
import type { ProcessOps } from './process-ops.js';
import type { ProcessTable } from './process-table.js';

/**
 * Puts the instances a dead supervisor left running back into the table, and hands the
 * stops it had begun to the sweeper. Returns the dead supervisor's run options when it
 * adopted any of its instances: those instances were started to be served that way.
 */
export function restoreSurvivors(table: ProcessTable, pidRoot: string, logger: Logger, sweeper: GroupSweeper, ops: ProcessOps, now: number): RunMemory | undefined {
  // The deadline is the dead supervisor's, but never later than this one's stop_timeout.
  const previous = readRecord(pidRoot);
  const groups = previous.stoppingGroups.map((g) => {
    const definition = table.get(g.description.replace(/\.\d+$/, ''))?.definition;
    return { ...g, killAt: Math.min(g.killAt, now + (definition?.stopTimeout ?? 10) * 1000) };
  });
  for (const group of sweeper.resume(groups)) {
    logger.log(group.description, `Finishing the stop of process group ${group.pgid} that the previous supervisor began`);
  }
  let adopted = 0;
  for (const record of adoptableRecords(pidRoot, ops)) {
    const entry = table.get(record.process);
    if (entry === undefined) continue;
    adopted += 1;
    const instance = table.restoreInstance(entry, record.id);
    instance.port = record.port;
    instance.tag = record.tag;
    instance.respawns = record.respawns;
    const startedAtMs = record.startedAt === undefined ? now : record.startedAt * 1000;
    instance.moveTo({
      name: 'running',
      process: { pid: record.pid, pgid: record.pgid, procStartTime: record.procStartTime, startedAtMs },
      readyAtMs: startedAtMs,
    });
    logger.log(instance.description, `Adopted running process with PID ${record.pid}`, entry.definition.color);
  }
  return adopted > 0 ? previous.run : undefined;
}

/**
 * Writes down every running instance, for a successor to adopt, and every group being
 * stopped, for a successor to finish stopping (a stopping instance is not adopted again).
 * The run options go with the instances only: once none is left (a clean `stop -s`), the
 * next start is a fresh one.
 */
export function recordInstances(pidRoot: string, root: string, instances: Instance[], stoppingGroups: StoppingGroup[], run: RunMemory): void {
  const records: InstanceRecord[] = [];
  for (const i of instances) {
    if (i.pid === undefined || i.state.name !== 'running') continue;
    records.push({
      process: i.processName,
      id: i.id,
      pid: i.pid,
      pgid: i.pgid,
      procStartTime: i.process?.procStartTime,
      startedAt: i.startedAt,
      port: i.port,
      tag: i.tag,
      respawns: i.respawns,
    });
  }
  writeRecord(pidRoot, { root, instances: records, stoppingGroups, ...(records.length > 0 ? { run } : {}) });
}
