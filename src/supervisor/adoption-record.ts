// What a supervisor remembers on disk about its instances, so that a successor can adopt
// those still alive after a crash (D5) and never mistake a recycled pid for one of ours, and
// about the process groups it is stopping, so that a successor finishes those stops.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../runtime/safe-files.js';
import type { Logger } from '../logging/logger.js';
import type { Instance } from './instance.js';
import { instancePidFile } from './pid-files.js';
import { systemProcessOps, type ProcessOps } from './process-ops.js';
import type { ProcessTable } from './process-table.js';
import type { GroupSweeper, StoppingGroup } from './group-sweeper.js';

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

/** The file's content. An older procodile wrote the bare list of instances. */
export interface RecordFile {
  instances: InstanceRecord[];
  stoppingGroups: StoppingGroup[];
}

export function recordPath(pidRoot: string): string {
  return join(pidRoot, RECORD_NAME);
}

export function writeRecord(pidRoot: string, records: RecordFile): void {
  writeFileAtomically(recordPath(pidRoot), JSON.stringify(records));
}

/** What the file says, keeping only well-formed entries (the file may have been tampered with). */
export function readRecord(pidRoot: string): RecordFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(recordPath(pidRoot), 'utf8'));
  } catch {
    return { instances: [], stoppingGroups: [] };
  }
  const instances: unknown = Array.isArray(parsed) ? parsed : field(parsed, 'instances');
  const groups = field(parsed, 'stoppingGroups');
  return {
    instances: Array.isArray(instances) ? instances.filter(isInstanceRecord) : [],
    stoppingGroups: Array.isArray(groups) ? groups.filter(isStoppingGroup) : [],
  };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

const isPid = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 2;
const optionalCount = (value: unknown): boolean => value === undefined || (Number.isInteger(value) && (value as number) >= 0);

function isInstanceRecord(value: unknown): value is InstanceRecord {
  return (
    typeof field(value, 'process') === 'string' &&
    Number.isInteger(field(value, 'id')) &&
    isPid(field(value, 'pid')) &&
    (field(value, 'pgid') === undefined || isPid(field(value, 'pgid'))) &&
    optionalCount(field(value, 'procStartTime')) &&
    optionalCount(field(value, 'respawns'))
  );
}

function isStoppingGroup(value: unknown): value is StoppingGroup {
  return (
    typeof field(value, 'description') === 'string' &&
    isPid(field(value, 'pgid')) &&
    optionalCount(field(value, 'leaderStartTime')) &&
    optionalCount(field(value, 'since')) &&
    Number.isFinite(field(value, 'killAt'))
  );
}

/** Records whose pid file still names a live process that started when we recorded it. */
export function adoptableRecords(pidRoot: string, ops: Pick<ProcessOps, 'readPidFile' | 'isSameProcess'> = systemProcessOps): InstanceRecord[] {
  return readRecord(pidRoot).instances.filter((r) => {
    if (r.procStartTime === undefined) return false;
    const filePid = ops.readPidFile(instancePidFile(pidRoot, `${r.process}.${r.id}`));
    return filePid === r.pid && ops.isSameProcess(r.pid, r.procStartTime);
  });
}

/**
 * Puts the instances a dead supervisor left running back into the table (D5), and hands the
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
