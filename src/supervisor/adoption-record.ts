// What a supervisor remembers on disk about its instances, so that a successor can adopt
// those still alive after a crash (D5) and never mistake a recycled pid for one of ours.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../runtime/safe-files.js';
import { isSameProcess } from '../proc/liveness.js';
import type { Logger } from '../logging/logger.js';
import { Instance } from './instance.js';
import { readPidFile, instancePidFile } from './pid-files.js';
import type { ProcessTable } from './process-table.js';

/** Hidden, so the pid-directory tidy rules of Procodile never trip over it. */
const RECORD_NAME = '.procodile-instances.json';

export interface InstanceRecord {
  process: string;
  id: number;
  pid: number;
  pgid?: number;
  procStartTime?: number;
  startedAt?: number;
  port?: number;
  tag?: string;
  respawns: number;
}

export function recordPath(pidRoot: string): string {
  return join(pidRoot, RECORD_NAME);
}

export function writeRecord(pidRoot: string, records: InstanceRecord[]): void {
  writeFileAtomically(recordPath(pidRoot), JSON.stringify(records));
}

export function readRecord(pidRoot: string): InstanceRecord[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(recordPath(pidRoot), 'utf8'));
    return Array.isArray(parsed) ? (parsed as InstanceRecord[]) : [];
  } catch {
    return [];
  }
}

/** Records whose pid file still names a live process that started when we recorded it. */
export function adoptableRecords(pidRoot: string): InstanceRecord[] {
  return readRecord(pidRoot).filter((r) => {
    if (r.procStartTime === undefined) return false;
    const filePid = readPidFile(instancePidFile(pidRoot, `${r.process}.${r.id}`));
    return filePid === r.pid && isSameProcess(r.pid, r.procStartTime);
  });
}

/** Puts the instances a dead supervisor left running back into the table (D5). */
export function restoreSurvivors(table: ProcessTable, pidRoot: string, logger: Logger): void {
  for (const record of adoptableRecords(pidRoot)) {
    const entry = table.get(record.process);
    if (entry === undefined) continue;
    const instance = new Instance(record.process, record.id);
    Object.assign(instance, {
      pid: record.pid,
      pgid: record.pgid,
      procStartTime: record.procStartTime,
      startedAt: record.startedAt,
      port: record.port,
      tag: record.tag,
      respawns: record.respawns,
      state: 'running',
    });
    table.restoreInstance(entry, instance);
    logger.log(instance.description, `Adopted running process with PID ${record.pid}`, entry.definition.color);
  }
}

/** Writes down every live instance, for a successor to adopt. */
export function recordInstances(pidRoot: string, instances: Instance[]): void {
  const records: InstanceRecord[] = [];
  for (const i of instances) {
    if (i.pid === undefined || (i.state !== 'running' && i.state !== 'stopping')) continue;
    records.push({
      process: i.processName,
      id: i.id,
      pid: i.pid,
      pgid: i.pgid,
      procStartTime: i.procStartTime,
      startedAt: i.startedAt,
      port: i.port,
      tag: i.tag,
      respawns: i.respawns,
    });
  }
  writeRecord(pidRoot, records);
}
