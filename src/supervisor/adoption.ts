// Adoption: the instances a dead supervisor left running are put back into the table, the
// stops it had begun are finished, and this supervisor's own instances are written down for
// its successor (the record itself is src/runtime/adoption-record.ts).
import type { Logger } from '../logging/logger.js';
import { adoptableRecords, readRecord, writeRecord, type InstanceRecord } from '../runtime/adoption-record.js';
import type { StoppingGroup } from '../runtime/ownership.js';
import type { GroupSweeper } from './group-sweeper.js';
import type { Instance } from './instance.js';
import type { ProcessOps } from './process-ops.js';
import type { ProcessTable } from './process-table.js';

/**
 * Puts the instances a dead supervisor left running back into the table, and hands the
 * stops it had begun to the sweeper.
 */
export function restoreSurvivors(table: ProcessTable, pidRoot: string, logger: Logger, sweeper: GroupSweeper, ops: ProcessOps, now: number): void {
  // The deadline is the dead supervisor's, but never later than this one's stop_timeout.
  const groups = readRecord(pidRoot).stoppingGroups.map((g) => {
    const definition = table.get(g.description.replace(/\.\d+$/, ''))?.definition;
    return { ...g, killAt: Math.min(g.killAt, now + (definition?.stopTimeout ?? 10) * 1000) };
  });
  for (const group of sweeper.resume(groups)) {
    logger.log(group.description, `Finishing the stop of process group ${group.pgid} that the previous supervisor began`);
  }
  for (const record of adoptableRecords(pidRoot, ops)) {
    const entry = table.get(record.process);
    if (entry === undefined) continue;
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
}

/**
 * Writes down every running instance, for a successor to adopt, and every group being
 * stopped, for a successor to finish stopping (a stopping instance is not adopted again).
 */
export function recordInstances(pidRoot: string, instances: Instance[], stoppingGroups: StoppingGroup[]): void {
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
  writeRecord(pidRoot, { instances: records, stoppingGroups });
}
