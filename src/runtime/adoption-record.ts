// The adoption record, `PIDS/.procodile-instances.json`: what a supervisor remembers on disk
// about its instances, so that a successor can adopt those still alive after a crash and never
// mistake a recycled pid for one of ours, and about the process groups it is stopping, so that
// a successor finishes those stops (docs/architecture.md, "Runtime files"). Its content is
// checked entry by entry when read: anyone who could write it could name any process. It also
// keeps the run options that shaped the service (`--proxy`, `--env-file`, `--ports`), so that a
// supervisor started again after a crash serves as its predecessor did (README.md, "The TCP proxy").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess } from '../proc/liveness.js';
import type { StoppingGroup } from './ownership.js';
import { instancePidFile, readPidFile } from './pid-files.js';
import { writeFileAtomically } from './safe-files.js';
import { CONTROL_CHARACTERS } from '../printable-text.js';

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

/**
 * The run options of the supervisor that wrote the record, kept only while it has instances:
 * a supervisor that adopts them takes these over unless its own command line says otherwise.
 */
export interface RunMemory {
  proxy: boolean;
  envFile?: string;
  portAllocations?: Record<string, number>;
}

/** The file's content. An older procodile wrote the bare list of instances. */
export interface RecordFile {
  /** The application root of the supervisor that wrote it: another root must not take its processes. */
  root?: string;
  instances: InstanceRecord[];
  stoppingGroups: StoppingGroup[];
  run?: RunMemory;
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
  const run = runMemory(field(parsed, 'run'));
  const root = field(parsed, 'root');
  return {
    ...(typeof root === 'string' && root.startsWith('/') && !CONTROL_CHARACTERS.test(root) ? { root } : {}),
    instances: Array.isArray(instances) ? instances.filter(isInstanceRecord) : [],
    stoppingGroups: Array.isArray(groups) ? groups.filter(isStoppingGroup) : [],
    ...(run === undefined ? {} : { run }),
  };
}

/** A port allocation's key is a process name, never `__proto__` or anything a path could hold. */
const ALLOCATION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The run options as written, or nothing when any of them is malformed (a tampered file). */
function runMemory(value: unknown): RunMemory | undefined {
  const proxy = field(value, 'proxy');
  const envFile = field(value, 'envFile');
  const ports = field(value, 'portAllocations');
  if (typeof proxy !== 'boolean') return undefined;
  // An env file is read for every instance start: only an absolute path of printable text.
  if (envFile !== undefined && (typeof envFile !== 'string' || !envFile.startsWith('/') || CONTROL_CHARACTERS.test(envFile))) return undefined;
  let portAllocations: Record<string, number> | undefined;
  if (ports !== undefined) {
    if (typeof ports !== 'object' || ports === null || Array.isArray(ports)) return undefined;
    const entries = Object.entries(ports);
    const valid = entries.every(([name, port]) => ALLOCATION_NAME.test(name) && Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535);
    if (!valid) return undefined;
    portAllocations = Object.fromEntries(entries);
  }
  return {
    proxy,
    ...(envFile === undefined ? {} : { envFile }),
    ...(portAllocations === undefined ? {} : { portAllocations }),
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
export function adoptableRecords(
  pidRoot: string,
  ops: { readPidFile(path: string): number | undefined; isSameProcess(pid: number, startTime: number | undefined): boolean } = {
    readPidFile,
    isSameProcess,
  },
): InstanceRecord[] {
  return readRecord(pidRoot).instances.filter((r) => {
    if (r.procStartTime === undefined) return false;
    const filePid = ops.readPidFile(instancePidFile(pidRoot, `${r.process}.${r.id}`));
    return filePid === r.pid && ops.isSameProcess(r.pid, r.procStartTime);
  });
}
