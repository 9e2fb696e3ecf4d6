// Seeing what runs (README.md, "Seeing what runs"): the sampler of CPU and memory, the
// max_memory rule's replacement of an instance, and the metrics endpoint, wired to the
// supervisor's table through one small host so the supervisor only starts and stops them.
import { formatMemorySize } from '../config/memory-size.js';
import type { AppConfig } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from './clock.js';
import type { Instance } from './instance.js';
import type { IssueTracker } from './issues.js';
import type { Lifecycle } from './lifecycle.js';
import { MetricsEndpoint } from './metrics-endpoint.js';
import { renderMetrics } from './metrics-text.js';
import type { ProcessOps } from './process-ops.js';
import type { ProcessTable } from './process-table.js';
import { OVER_LIMIT_SAMPLES, Sampler } from './sampler.js';
import type { Scheduler } from './scheduler.js';

/** The process name a metrics listener issue is filed under. */
const METRICS_ISSUE = 'metrics_address';

export interface ObservationHost {
  ops: ProcessOps;
  clock: Clock;
  table: ProcessTable;
  lifecycle: Lifecycle;
  scheduler: Scheduler;
  issues: IssueTracker;
  logger: Logger;
  config(): AppConfig;
  /** Unix seconds, once started. */
  startedAt(): number | undefined;
  shuttingDown(): boolean;
  suggest(command: string): string;
}

export class Observation {
  readonly sampler: Sampler;
  readonly metrics: MetricsEndpoint;
  readonly #host: ObservationHost;

  constructor(host: ObservationHost) {
    this.#host = host;
    this.sampler = new Sampler({
      ops: host.ops,
      clock: host.clock,
      instances: () => host.table.allInstances(),
      maxMemoryOf: (i) => host.table.get(i.processName)?.definition.maxMemory,
      onOverLimit: (i, rssBytes, limitBytes) =>
        void this.#replaceOverMemory(i, rssBytes, limitBytes).catch((error: unknown) =>
          host.logger.log(i.description, `Could not replace it: ${(error as Error).message}`),
        ),
    });
    this.metrics = new MetricsEndpoint({
      render: () =>
        renderMetrics({
          appName: host.config().appName,
          startedAt: host.startedAt(),
          entries: host.table.entries(),
          usage: (i) => this.sampler.usage(i),
          history: (name) => host.scheduler.history(name),
        }),
      onListening: (address) => {
        host.logger.log('system', `Serving metrics on http://${address}/metrics`);
        host.issues.resolve('metrics_listener_failed', METRICS_ISSUE);
      },
      onBindFailed: (address, reason) => {
        host.logger.log('system', `Cannot serve metrics on ${address}: ${reason}`);
        host.issues.report(
          'metrics_listener_failed',
          METRICS_ISSUE,
          `The metrics listener cannot listen on ${address}: ${reason}. Change metrics_address, then run \`${host.suggest('reload')}\`.`,
        );
      },
    });
  }

  /** Opens, moves or closes the metrics listener as the configuration says. */
  listen(): Promise<void> {
    return this.metrics.sync(this.#host.config().metricsAddress);
  }

  close(): void {
    this.sampler.stop();
    void this.metrics.close();
  }

  /** A restart the user asked for clears the max_memory notice of the processes it covers. */
  restarted(processNames: string[]): void {
    for (const name of processNames) this.#host.issues.resolve('memory_limit_exceeded', name);
  }

  /** The instance is replaced as a term-start restart would replace it: stopped, then a new one on its port. */
  async #replaceOverMemory(instance: Instance, rssBytes: number, limitBytes: number): Promise<void> {
    const host = this.#host;
    const entry = host.table.get(instance.processName);
    if (entry === undefined || instance.state.name !== 'running' || host.shuttingDown()) return;
    const { name, color } = entry.definition;
    const what = `${instance.description} used ${formatMemorySize(rssBytes)}, above max_memory (${formatMemorySize(limitBytes)}), for ${OVER_LIMIT_SAMPLES} samples in a row`;
    host.logger.log(instance.description, `${what}: restarting it`, color);
    const at = new Date(host.clock.now()).toISOString();
    host.issues.report(
      'memory_limit_exceeded',
      name,
      `${what} and was restarted at ${at}. Look for a leak or raise max_memory; \`${host.suggest(`restart -p ${name}`)}\` clears this.`,
    );
    const id = host.table.reserveId(entry);
    const port = instance.port;
    await host.lifecycle.stop(instance);
    if (host.shuttingDown() || entry.removed) return;
    const replacement = host.table.newInstance(entry, id);
    replacement.port = port;
    if (!(await host.lifecycle.start(entry.definition, replacement)) && replacement.state.name === 'failed') {
      host.table.removeInstance(replacement);
    }
  }
}
