// The one place where stops escalate: whatever is being stopped (an instance's group, or what
// a crashed instance left in its group) is watched by one poll; once nothing of it is left it
// is done, and past its deadline whatever is left gets SIGKILL, again on every poll, so that
// a process forked during the stop is not missed. The caller has sent the term signal.
import type { ProcessFacts } from '../proc/process-tree.js';
import type { Clock, TimerHandle } from './clock.js';

/** How often everything being stopped is checked. */
export const STOP_POLL_MS = 50;

/** One poll's view of the process table, read at most once however many targets ask. */
export interface PollView {
  snapshot(): ProcessFacts[];
}

export interface StopTarget {
  /** Epoch milliseconds after which what is left gets SIGKILL. */
  deadlineMs: number;
  isRunning(view: PollView): boolean;
  /** SIGKILL to whatever is left. */
  kill(): void;
  /** The first time the deadline forced a kill. */
  onForced?(): void;
  /** Nothing is left; called once. */
  onDone(): void;
}

interface Watched {
  target: StopTarget;
  forced: boolean;
}

export class Stopper {
  readonly #clock: Clock;
  readonly #snapshot: () => ProcessFacts[];
  readonly #watched = new Map<unknown, Watched>();
  #timer?: TimerHandle;
  #idle: (() => void)[] = [];

  constructor(clock: Clock, snapshot: () => ProcessFacts[]) {
    this.#clock = clock;
    this.#snapshot = snapshot;
  }

  /** Watches `target` under `key` (replacing what was watched under it) and checks it at once. */
  watch(key: unknown, target: StopTarget): void {
    this.#watched.set(key, { target, forced: false });
    this.#timer ??= this.#clock.setInterval(() => this.#poll(), STOP_POLL_MS);
    this.check(key);
  }

  /** Checks one target now (on an exit event, say) instead of at the next poll. */
  check(key: unknown, view: PollView = this.#view()): void {
    const watched = this.#watched.get(key);
    if (watched === undefined) return;
    const { target } = watched;
    if (!target.isRunning(view)) {
      this.#watched.delete(key);
      target.onDone();
      this.#settleIfIdle();
      return;
    }
    if (this.#clock.now() < target.deadlineMs) return;
    target.kill();
    if (!watched.forced) {
      watched.forced = true;
      target.onForced?.();
    }
  }

  isWatching(key: unknown): boolean {
    return this.#watched.has(key);
  }

  /** Resolves once nothing is being stopped. */
  idle(): Promise<void> {
    if (this.#watched.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #view(): PollView {
    let snapshot: ProcessFacts[] | undefined;
    return { snapshot: () => (snapshot ??= this.#snapshot()) };
  }

  #poll(): void {
    const view = this.#view();
    for (const key of [...this.#watched.keys()]) this.check(key, view);
  }

  #settleIfIdle(): void {
    if (this.#watched.size > 0) return;
    this.#clock.clear(this.#timer);
    this.#timer = undefined;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
