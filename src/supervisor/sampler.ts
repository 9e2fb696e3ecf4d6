// What each running instance uses, sampled every few seconds: CPU % over the interval and
// resident memory of its whole process group (the instance and every descendant still in its
// group), from one /proc pass for all instances that keeps only their processes. It also
// watches max_memory: a group that stays above its limit for several samples in a row is
// handed to the supervisor to be replaced.
import type { ProcessUsage } from '../proc/process-usage.js';
import { TICKS_PER_SECOND } from '../proc/process-usage.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Instance } from './instance.js';
import type { ProcessOps } from './process-ops.js';

export const SAMPLE_INTERVAL_MS = 5000;
/** Samples in a row above max_memory before the instance is replaced. */
export const OVER_LIMIT_SAMPLES = 3;

export interface InstanceUsage {
  /** Over the last interval; undefined until two samples of this run have been taken. */
  cpuPercent?: number;
  /** CPU seconds used by the group's processes during this run, as far as seen. */
  cpuSeconds: number;
  rssBytes: number;
  /** How many processes the group had. */
  processes: number;
}

export interface SamplerHost {
  ops: ProcessOps;
  clock: Clock;
  /** The instances to sample; only running ones are. */
  instances(): Instance[];
  /** The instance's max_memory in bytes, if it has one. */
  maxMemoryOf(instance: Instance): number | undefined;
  /** The group stayed above max_memory for OVER_LIMIT_SAMPLES samples. */
  onOverLimit(instance: Instance, rssBytes: number, limitBytes: number): void;
}

interface Track {
  pgid: number | undefined;
  atMs: number;
  /** The boot clock at the sample, in the unit of process start times. */
  bootTicks: number | undefined;
  members: Map<number, { startTime: number; cpuTicks: number }>;
  usage: InstanceUsage;
  overLimit: number;
}

/** The processes of an instance: its group, and its main process if that left the group. */
export function groupOf(all: Map<number, ProcessUsage[]>, byPid: Map<number, ProcessUsage>, pid: number | undefined, pgid: number | undefined): ProcessUsage[] {
  const members = pgid === undefined ? [] : [...(all.get(pgid) ?? [])];
  const main = pid === undefined ? undefined : byPid.get(pid);
  if (main !== undefined && main.pgid !== pgid) members.push(main);
  return members;
}

/**
 * CPU ticks the members used since the previous sample. A process seen then counts its
 * growth; one started since counts all it used; one that already existed but is new to the
 * group (adopted, or it joined the group) counts from now on. A process that exited between
 * samples takes its last interval with it: its time is no longer readable.
 */
export function ticksUsed(previous: Track, members: ProcessUsage[]): number {
  let ticks = 0;
  for (const member of members) {
    const seen = previous.members.get(member.pid);
    if (seen !== undefined && seen.startTime === member.startTime) ticks += Math.max(0, member.cpuTicks - seen.cpuTicks);
    else if (previous.bootTicks !== undefined && member.startTime >= previous.bootTicks) ticks += member.cpuTicks;
  }
  return ticks;
}

export class Sampler {
  readonly #host: SamplerHost;
  readonly #tracks = new WeakMap<Instance, Track>();
  /** What one pass asks /proc for, refilled each sample rather than allocated anew. */
  readonly #groups = new Set<number>();
  readonly #pids = new Set<number>();
  #timer?: TimerHandle;

  constructor(host: SamplerHost) {
    this.#host = host;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.sample();
    this.#timer = this.#host.clock.setInterval(() => {
      // A sample that fails (an odd /proc) is skipped: the next one may work, and the
      // supervisor must not stop for it.
      try {
        this.sample();
      } catch {
        return;
      }
    }, SAMPLE_INTERVAL_MS);
  }

  stop(): void {
    this.#host.clock.clear(this.#timer);
    this.#timer = undefined;
  }

  /** The latest sample of the instance's current run, if any. */
  usage(instance: Instance): InstanceUsage | undefined {
    const track = this.#tracks.get(instance);
    return instance.state.name === 'running' && track?.pgid === instance.pgid ? track?.usage : undefined;
  }

  sample(): void {
    const { ops, clock } = this.#host;
    const all = this.#host.instances();
    const running = all.filter((i) => i.state.name === 'running');
    for (const instance of all) if (instance.state.name !== 'running') this.#tracks.delete(instance);
    if (running.length === 0) return;
    const nowMs = clock.now();
    const bootTicks = ops.ticksSinceBoot();
    this.#groups.clear();
    this.#pids.clear();
    for (const instance of running) {
      if (instance.pgid !== undefined) this.#groups.add(instance.pgid);
      if (instance.pid !== undefined) this.#pids.add(instance.pid);
    }
    const byGroup = new Map<number, ProcessUsage[]>();
    const byPid = new Map<number, ProcessUsage>();
    for (const p of ops.sampleProcesses(this.#groups, this.#pids)) {
      byPid.set(p.pid, p);
      const list = byGroup.get(p.pgid);
      if (list === undefined) byGroup.set(p.pgid, [p]);
      else list.push(p);
    }
    for (const instance of running) {
      const members = groupOf(byGroup, byPid, instance.pid, instance.pgid);
      const previous = this.#tracks.get(instance);
      const rssBytes = members.reduce((sum, m) => sum + m.rssBytes, 0);
      const usage: InstanceUsage = { cpuSeconds: 0, rssBytes, processes: members.length };
      // A new run (respawned, or its main process replaced itself into a new group) starts over.
      const sameRun = previous !== undefined && previous.pgid === instance.pgid;
      if (sameRun) {
        const ticks = ticksUsed(previous, members);
        const seconds = (nowMs - previous.atMs) / 1000;
        usage.cpuSeconds = previous.usage.cpuSeconds + ticks / TICKS_PER_SECOND;
        if (seconds > 0) usage.cpuPercent = Math.round(((ticks / TICKS_PER_SECOND / seconds) * 100) * 10) / 10;
      } else {
        usage.cpuSeconds = members.reduce((sum, m) => sum + m.cpuTicks, 0) / TICKS_PER_SECOND;
      }
      const track: Track = {
        pgid: instance.pgid,
        atMs: nowMs,
        bootTicks,
        members: new Map(members.map((m) => [m.pid, { startTime: m.startTime, cpuTicks: m.cpuTicks }])),
        usage,
        overLimit: sameRun ? previous.overLimit : 0,
      };
      this.#tracks.set(instance, track);
      this.#checkLimit(instance, track);
    }
  }

  #checkLimit(instance: Instance, track: Track): void {
    const limit = this.#host.maxMemoryOf(instance);
    if (limit === undefined || track.usage.rssBytes <= limit) {
      track.overLimit = 0;
      return;
    }
    track.overLimit += 1;
    if (track.overLimit < OVER_LIMIT_SAMPLES) return;
    track.overLimit = 0;
    this.#host.onOverLimit(instance, track.usage.rssBytes, limit);
  }
}
