// Scheduled (cron) processes (Procodile 8): one watcher per enabled job that sleeps until the next
// tick, never lets two runs of a job overlap, and keeps the job's run history and issues.
import { Cron } from 'croner';
import type { ProcessDefinition } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { IssueTracker, IssueType } from './issues.js';

/** setTimeout cannot wait longer than this in one go. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Skipped runs in a row before it becomes a runtime issue. */
const SKIPS_BEFORE_ISSUE = 3;
const SCHEDULE_ISSUES: readonly IssueType[] = ['scheduled_run_failed', 'scheduled_run_skipped_repeatedly', 'invalid_schedule'];

export interface JobHistory {
  lastStartedAt?: number;
  lastFinishedAt?: number;
  lastExitStatus?: number | null;
  lastRunDuration?: number;
}

export interface JobExit {
  exitStatus: number | null;
  stoppedByUser: boolean;
  startedAtMs: number;
}

export interface SchedulerHost {
  logger: Logger;
  issues: IssueTracker;
  suggest(command: string): string;
  /** Scheduled definitions currently configured. */
  scheduledDefinitions(): ProcessDefinition[];
  /** Starts one run; resolves false (after reporting why) when it could not start. */
  runJob(definition: ProcessDefinition): Promise<boolean>;
  random?: () => number;
  clock?: Clock;
}

interface Watcher {
  schedule: string;
  timer?: TimerHandle;
  cancelled: boolean;
}

export class Scheduler {
  readonly #host: SchedulerHost;
  readonly #watchers = new Map<string, Watcher>();
  readonly #disabled = new Set<string>();
  readonly #active = new Set<string>();
  readonly #skips = new Map<string, number>();
  readonly #history = new Map<string, JobHistory>();
  readonly #clock: Clock;

  constructor(host: SchedulerHost) {
    this.#host = host;
    this.#clock = host.clock ?? systemClock;
  }

  #log(name: string, message: string): void {
    this.#host.logger.log('system', message.replace('%s', name));
  }

  history(name: string): JobHistory {
    return this.#history.get(name) ?? {};
  }

  isActive(name: string): boolean {
    return this.#active.has(name);
  }

  /** Lets the named jobs (all when undefined) run again; running watchers are left alone. */
  enable(names: string[] | undefined): void {
    for (const definition of this.#host.scheduledDefinitions()) {
      if (names === undefined || names.includes(definition.name)) this.#disabled.delete(definition.name);
    }
    this.sync();
  }

  /** Stops future runs of the named jobs (all when undefined); returns the scheduled names hit. */
  disable(names: string[] | undefined): string[] {
    const hit: string[] = [];
    for (const definition of this.#host.scheduledDefinitions()) {
      if (names !== undefined && !names.includes(definition.name)) continue;
      this.#disabled.add(definition.name);
      hit.push(definition.name);
      this.#cancel(definition.name);
      for (const type of SCHEDULE_ISSUES) {
        this.#host.issues.resolve(type, definition.name);
      }
    }
    return hit;
  }

  /** Starts, replaces or drops watchers to match the configuration (after a reload). */
  sync(): void {
    const wanted = new Map(this.#host.scheduledDefinitions().map((d) => [d.name, d]));
    for (const name of [...this.#watchers.keys()]) {
      const definition = wanted.get(name);
      if (definition === undefined || this.#disabled.has(name) || definition.schedule !== this.#watchers.get(name)?.schedule) {
        this.#cancel(name);
      }
    }
    for (const [name, definition] of wanted) {
      if (this.#disabled.has(name) || this.#watchers.has(name) || definition.schedule === undefined) continue;
      this.#watch(definition, definition.schedule);
    }
    // Q19: issues of jobs that are gone or no longer scheduled go with them.
    for (const issue of this.#host.issues.list()) {
      const scheduledIssue = SCHEDULE_ISSUES.includes(issue.type);
      if (scheduledIssue && !wanted.has(issue.process_name)) this.#host.issues.resolve(issue.type, issue.process_name);
    }
  }

  #cancel(name: string): void {
    const watcher = this.#watchers.get(name);
    if (watcher === undefined) return;
    watcher.cancelled = true;
    this.#clock.clear(watcher.timer);
    this.#watchers.delete(name);
  }

  #watch(definition: ProcessDefinition, schedule: string): void {
    const name = definition.name;
    let cron: Cron;
    try {
      cron = new Cron(schedule, { mode: '5-or-6-parts', paused: true });
    } catch (error) {
      const reason = (error as Error).message.replace(/^CronPattern: /, '');
      this.#log(name, `Invalid cron schedule '${schedule}' for %s: ${reason}`);
      this.#host.issues.report(
        'invalid_schedule',
        name,
        `Scheduled process '${name}' has invalid cron schedule '${schedule}': ${reason}. ` +
          'Use 5 space-separated fields (minute hour day month weekday), optionally preceded by a seconds field, ' +
          `e.g. \`${name}__AT__*/5 * * * *: command\` in the Procfile or \`at: "0 3 * * *"\` in Procfile.options. ` +
          `Then run \`${this.#host.suggest('reload')}\` or \`${this.#host.suggest(`restart -p ${name}`)}\`.`,
      );
      return;
    }
    this.#host.issues.resolve('invalid_schedule', name);
    const watcher: Watcher = { schedule, cancelled: false };
    this.#watchers.set(name, watcher);
    let previous: number | undefined;
    const arm = (): void => {
      if (watcher.cancelled) return;
      let next = cron.nextRun(new Date(this.#clock.now()))?.getTime();
      // A tick already handled is never run twice (a rebuilt watcher, a timer firing early).
      if (next !== undefined && previous !== undefined && next <= previous) next = cron.nextRun(new Date(previous))?.getTime();
      if (next === undefined) return;
      previous = next;
      const delay = Math.max(0, next - this.#clock.now()) + this.#randomDelayMs(definition.name);
      this.#sleep(watcher, delay, () => void this.#fire(name).finally(arm));
    };
    arm();
  }

  #randomDelayMs(name: string): number {
    const definition = this.#host.scheduledDefinitions().find((d) => d.name === name);
    const maxSeconds = definition?.randomDelay ?? 0;
    if (maxSeconds <= 0) return 0;
    return Math.floor((this.#host.random ?? Math.random)() * (maxSeconds + 1)) * 1000;
  }

  #sleep(watcher: Watcher, delay: number, then: () => void): void {
    if (delay > MAX_TIMER_MS) {
      watcher.timer = this.#clock.setTimeout(() => this.#sleep(watcher, delay - MAX_TIMER_MS, then), MAX_TIMER_MS);
      return;
    }
    watcher.timer = this.#clock.setTimeout(() => {
      if (!watcher.cancelled) then();
    }, delay);
  }

  async #fire(name: string): Promise<void> {
    const definition = this.#host.scheduledDefinitions().find((d) => d.name === name);
    if (definition === undefined || this.#disabled.has(name)) return;
    if (this.#active.has(name)) {
      const skips = (this.#skips.get(name) ?? 0) + 1;
      this.#skips.set(name, skips);
      this.#log(name, 'Skipping scheduled run for %s; previous run is still active');
      if (skips >= SKIPS_BEFORE_ISSUE) {
        this.#host.issues.report(
          'scheduled_run_skipped_repeatedly',
          name,
          `Scheduled process '${name}' skipped ${skips} runs because the previous run is still active. ` +
            'Consider a longer interval or a shorter task.',
        );
      }
      return;
    }
    this.#skips.set(name, 0);
    this.#host.issues.resolve('scheduled_run_skipped_repeatedly', name);
    this.#active.add(name);
    this.#log(name, 'Running scheduled process %s');
    this.#history.set(name, { ...this.history(name), lastStartedAt: Math.floor(this.#clock.now() / 1000) });
    let started = false;
    try {
      started = await this.#host.runJob(definition);
    } catch (error) {
      this.#reportRunFailure(name, `failed to start: ${(error as Error).message}`);
    }
    // Q10: a run that never started must not keep the job marked active forever.
    if (!started) this.#active.delete(name);
  }

  #reportRunFailure(name: string, what: string): void {
    this.#host.issues.report(
      'scheduled_run_failed',
      name,
      `Scheduled process '${name}' ${what} Fix it, then run \`${this.#host.suggest(`restart -p ${name}`)}\`.`,
    );
  }

  /** Reports a run that could not be started (the lifecycle calls this through runJob). */
  runFailedToStart(name: string, message: string): void {
    this.#reportRunFailure(name, `failed to start: ${message}`);
  }

  /** Records the end of a run and what it means for the job's issues. */
  jobExited(name: string, exit: JobExit): void {
    this.#active.delete(name);
    const now = this.#clock.now();
    this.#history.set(name, {
      ...this.history(name),
      lastFinishedAt: Math.floor(now / 1000),
      lastExitStatus: exit.exitStatus,
      lastRunDuration: (now - exit.startedAtMs) / 1000,
    });
    if (exit.stoppedByUser || exit.exitStatus === 0) this.#host.issues.resolve('scheduled_run_failed', name);
    else this.#reportRunFailure(name, `failed with exit status ${exit.exitStatus ?? -1}.`);
  }

  close(): void {
    for (const name of [...this.#watchers.keys()]) this.#cancel(name);
  }
}
