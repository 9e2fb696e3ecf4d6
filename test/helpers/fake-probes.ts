// Ready checks for unit tests: an instance (by PROC_NAME) passes when the test says it does.
import type { Probe, ReadinessProbes } from '../../src/supervisor/readiness.js';

export class FakeProbes implements ReadinessProbes {
  /** Instances (`web.3`) whose check passes. */
  readonly ready = new Set<string>();
  /** Every instance passes, except those in `never`. */
  all = false;
  readonly never = new Set<string>();

  open(_check: unknown, target: { env: Record<string, string> }): Probe {
    const name = target.env.PROC_NAME ?? '';
    return {
      attempt: () => Promise.resolve(!this.never.has(name) && (this.all || this.ready.has(name))),
      watchOutput: () => undefined,
      close: () => undefined,
    };
  }
}
