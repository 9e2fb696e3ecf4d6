// A pretend operating system for unit tests of the supervisor: spawned "processes" are table
// rows with a pid, a group and a parent; signals are recorded and act on the rows (TERM ends
// a process unless it ignores TERM, KILL always does); exits are delivered as child 'exit'
// events on the next microtask, as the real ones arrive asynchronously. Nothing is started.
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { ProcStat } from '../../src/proc/liveness.js';
import type { ProcessFacts } from '../../src/proc/process-tree.js';
import type { ProcessUsage } from '../../src/proc/process-usage.js';
import type { ProcessOps } from '../../src/supervisor/process-ops.js';
import type { SpawnOutcome, SpawnSpec } from '../../src/supervisor/spawn-instance.js';

export interface FakeProcess {
  pid: number;
  ppid: number;
  pgid: number;
  startTime: number;
  command: string;
  env: Record<string, string>;
  alive: boolean;
  /** Ignores every signal but SIGKILL (and the ones a program handles: USR1, USR2, HUP). */
  ignoresTerm: boolean;
  /** CPU time used so far (clock ticks) and resident memory, as the sampler reads them. */
  cpuTicks: number;
  rssBytes: number;
  child?: FakeChild;
}

class FakeChild extends EventEmitter {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdout = null;
  readonly stderr = null;
  constructor(readonly pid: number) {
    super();
  }
}

export interface SignalSent {
  to: 'pid' | 'group';
  id: number;
  signal: NodeJS.Signals;
}

export class FakeProcessOps implements ProcessOps {
  readonly processes = new Map<number, FakeProcess>();
  readonly signals: SignalSent[] = [];
  readonly pidFiles = new Map<string, number>();
  readonly spawned: SpawnSpec[] = [];
  /** What happened, in order: `spawn PID`, `PIDorGROUP SIGNAL` (a group as -PGID), `exit PID`. */
  readonly events: string[] = [];
  /** Set to make the next spawns fail with this message. */
  spawnError?: string;
  /** Called for each new process: lets a test give it behaviour (ignore TERM, say). */
  onSpawn?: (process: FakeProcess, spec: SpawnSpec) => void;
  #nextPid = 1000;
  #tick = 1;

  constructor(readonly supervisorPid = 500) {}

  spawn(spec: SpawnSpec): Promise<SpawnOutcome> {
    this.spawned.push(spec);
    if (this.spawnError !== undefined) return Promise.resolve({ ok: false, message: this.spawnError });
    const pid = this.#nextPid++;
    const child = new FakeChild(pid);
    const process = this.#add({ pid, ppid: this.supervisorPid, pgid: pid, command: spec.command, env: spec.env, child });
    this.events.push(`spawn ${pid}`);
    this.onSpawn?.(process, spec);
    return Promise.resolve({ ok: true, child: child as unknown as ChildProcess, pid });
  }

  /** A process not started by the supervisor (a successor, a stranger, an escapee). */
  addProcess(fields: { ppid?: number; pgid?: number; command?: string }): FakeProcess {
    const pid = this.#nextPid++;
    return this.#add({ pid, ppid: fields.ppid ?? 1, pgid: fields.pgid ?? pid, command: fields.command ?? 'other', env: {} });
  }

  #add(fields: Omit<FakeProcess, 'startTime' | 'alive' | 'ignoresTerm' | 'cpuTicks' | 'rssBytes'>): FakeProcess {
    const process: FakeProcess = { ...fields, startTime: this.#tick++, alive: true, ignoresTerm: false, cpuTicks: 0, rssBytes: 0 };
    this.processes.set(process.pid, process);
    return process;
  }

  /** Ends a process as if it exited with `code` or died of `signal`. */
  exit(pid: number, code: number | null, signal: NodeJS.Signals | null = null): void {
    const process = this.processes.get(pid);
    if (process === undefined || !process.alive) return;
    process.alive = false;
    this.events.push(`exit ${pid}`);
    const child = process.child;
    if (child === undefined) return;
    child.exitCode = code;
    child.signalCode = signal;
    queueMicrotask(() => child.emit('exit', code, signal));
  }

  live(): FakeProcess[] {
    return [...this.processes.values()].filter((p) => p.alive);
  }

  signalPid(pid: number, signal: NodeJS.Signals): boolean {
    if (pid < 2 || pid === this.supervisorPid) return false;
    const process = this.processes.get(pid);
    if (process === undefined || !process.alive) return false;
    this.signals.push({ to: 'pid', id: pid, signal });
    this.events.push(`${pid} ${signal}`);
    this.#deliver(process, signal);
    return true;
  }

  signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
    if (pgid < 2) return false;
    const members = this.live().filter((p) => p.pgid === pgid);
    if (members.length === 0) return false;
    this.signals.push({ to: 'group', id: pgid, signal });
    this.events.push(`-${pgid} ${signal}`);
    for (const member of members) this.#deliver(member, signal);
    return true;
  }

  #deliver(process: FakeProcess, signal: NodeJS.Signals): void {
    // USR1/USR2/HUP are handled by the program; the others end it unless it ignores them.
    if (signal === 'SIGUSR1' || signal === 'SIGUSR2' || signal === 'SIGHUP') return;
    if (signal === 'SIGKILL' || !process.ignoresTerm) this.exit(process.pid, null, signal);
  }

  stat(pid: number): ProcStat | undefined {
    const p = this.processes.get(pid);
    return p === undefined || !p.alive ? undefined : { state: 'S', ppid: p.ppid, pgid: p.pgid, startTime: p.startTime };
  }

  isAlive(pid: number): boolean {
    return this.processes.get(pid)?.alive === true;
  }

  isSameProcess(pid: number, startTime: number | undefined): boolean {
    const p = this.processes.get(pid);
    return p !== undefined && p.alive && (startTime === undefined || p.startTime === startTime);
  }

  groupHasLiveMembers(pgid: number): boolean {
    return this.live().some((p) => p.pgid === pgid);
  }

  isPartOfInstance(candidate: number, pid: number | undefined, pgid: number | undefined): boolean {
    const process = this.processes.get(candidate);
    if (candidate < 2 || process === undefined || !process.alive) return false;
    if (pgid !== undefined && process.pgid === pgid) return true;
    for (let parent = this.processes.get(process.ppid); parent !== undefined; parent = this.processes.get(parent.ppid)) {
      if (parent.pid === pid || (pgid !== undefined && parent.pgid === pgid && parent.alive)) return true;
    }
    return false;
  }

  snapshot(): ProcessFacts[] {
    return this.live().map(({ pid, ppid, pgid, startTime }) => ({ pid, ppid, pgid, startTime }));
  }

  sampleProcesses(groups: ReadonlySet<number>, pids: ReadonlySet<number>): ProcessUsage[] {
    return this.live().filter((p) => groups.has(p.pgid) || pids.has(p.pid)).map(({ pid, ppid, pgid, startTime, cpuTicks, rssBytes }) => ({ pid, ppid, pgid, startTime, cpuTicks, rssBytes }));
  }

  describeCommand(pid: number): string {
    return this.processes.get(pid)?.command ?? '?';
  }

  ticksSinceBoot(): number {
    return this.#tick;
  }

  readPidFile(path: string): number | undefined {
    return this.pidFiles.get(path);
  }

  writePidFile(path: string, pid: number): void {
    this.pidFiles.set(path, pid);
  }

  claimPidFile(path: string, pid: number): boolean {
    if (this.pidFiles.has(path)) return false;
    this.pidFiles.set(path, pid);
    return true;
  }

  removePidFile(path: string): void {
    this.pidFiles.delete(path);
  }
}
