// Stopping one instance: it leaves the proxy first and its connections may finish, then its
// term signal goes to the whole process group, and the stopper (stopper.ts) SIGKILLs what is
// left after stop_timeout. The group is written to the adoption record while it is being
// stopped, so that a successor finishes the stop if this supervisor dies half-way, and
// processes that left the group (setsid) are reported if they outlive it.
import type { ProcessDefinition } from '../config/types.js';
import type { StoppingGroup } from '../runtime/ownership.js';
import type { Clock } from './clock.js';
import type { EscapedProcesses, Escapee } from './escaped-processes.js';
import type { Instance } from './instance.js';
import type { ProcessRef } from './instance-state.js';
import type { ProcessOps } from './process-ops.js';
import type { Stopper } from './stopper.js';

export interface StopHost {
  ops: ProcessOps;
  clock: Clock;
  definitionOf(instance: Instance): ProcessDefinition | undefined;
  pidFile(instance: Instance): string;
  log(instance: Instance, message: string): void;
  /** Resolves once a leaving instance's proxied connections have finished; undefined: nothing to drain. */
  drain?(instance: Instance): Promise<void> | undefined;
  /** The record of groups being stopped changed. */
  onChanged(instance: Instance): void;
  /** Nothing of the instance is left; it is `stopped` and its pid file is gone. */
  onStopped(instance: Instance): void;
  onJobExit(instance: Instance, stoppedByUser: boolean, startedAtMs: number | undefined): void;
  onGone(instance: Instance): void;
}

export class InstanceStops {
  readonly #host: StopHost;
  readonly #stopper: Stopper;
  readonly #escaped: EscapedProcesses;
  /** Groups of instances being stopped, for the adoption record. */
  readonly #stoppingGroups = new Map<Instance, StoppingGroup>();

  constructor(host: StopHost, stopper: Stopper, escaped: EscapedProcesses) {
    this.#host = host;
    this.#stopper = stopper;
    this.#escaped = escaped;
  }

  /** Stops an instance and its whole group; resolves once nothing of it is left. */
  stop(instance: Instance): Promise<void> {
    if (instance.stopping !== undefined) return instance.stopping;
    const definition = this.#host.definitionOf(instance);
    instance.stopping = new Promise<void>((resolve) => {
      const wasFailed = instance.state.name === 'failed' || instance.state.name === 'completed';
      const inBackoff = instance.state.name === 'backoff';
      const timeoutMs = (definition?.stopTimeout ?? 10) * 1000;
      const alive = !wasFailed && instance.isAlive();
      const process = alive ? instance.process : undefined;
      // Leaving `running` takes it out of the proxy's pool at once; its term signal waits
      // until the connections it still serves have finished (or may no longer wait).
      instance.moveTo({ name: 'stopping', process, deadlineMs: this.#host.clock.now() + timeoutMs, forced: false });
      if (process === undefined && inBackoff) this.#host.log(instance, 'Waiting respawn cancelled');
      const quiet = wasFailed || inBackoff;
      const draining = process === undefined ? undefined : this.#host.drain?.(instance);
      if (draining === undefined) this.#signalAndWatch(instance, definition, quiet, process, timeoutMs, resolve);
      else {
        this.#host.log(instance, 'Left the proxy; waiting for its connections to finish');
        // It may have ended while it drained; a pid not checked again could belong to another process by now.
        void draining.then(() =>
          this.#signalAndWatch(instance, definition, quiet, instance.isAlive() ? process : undefined, timeoutMs, resolve),
        );
      }
    });
    return instance.stopping;
  }

  #signalAndWatch(
    instance: Instance,
    definition: ProcessDefinition | undefined,
    wasFailed: boolean,
    process: ProcessRef | undefined,
    timeoutMs: number,
    resolve: () => void,
  ): void {
    const deadlineMs = this.#host.clock.now() + timeoutMs;
    const state = instance.state;
    if (state.name === 'stopping') instance.moveTo({ ...state, deadlineMs });
    let escapees: Escapee[] = [];
    if (process === undefined) {
      if (!wasFailed) this.#host.log(instance, 'Process already stopped');
    } else {
      escapees = this.#escaped.find(instance);
      const signal = definition?.termSignal ?? 'SIGTERM';
      this.#host.log(instance, `Sending ${signal.replace(/^SIG/, '')} to ${process.pid}`);
      if (process.pgid === undefined || !this.#host.ops.signalGroup(process.pgid, signal)) this.#host.ops.signalPid(process.pid, signal);
      if (process.pgid !== undefined) {
        const leader = this.#host.ops.stat(process.pgid);
        this.#stoppingGroups.set(instance, {
          description: instance.description,
          pgid: process.pgid,
          leaderStartTime: leader?.pgid === process.pgid ? leader.startTime : undefined,
          since: this.#host.ops.ticksSinceBoot(),
          killAt: deadlineMs,
        });
      }
    }
    // The record now lists this group as being stopped, for a successor to finish.
    this.#host.onChanged(instance);
    this.#stopper.watch(instance, {
      deadlineMs,
      isRunning: () => this.#isRunningAnything(instance),
      kill: () => this.kill(instance),
      onForced: () => this.#forced(instance, timeoutMs),
      onDone: () => {
        this.#stopped(instance, escapees);
        resolve();
      },
    });
  }

  #forced(instance: Instance, timeoutMs: number): void {
    const state = instance.state;
    if (state.name === 'stopping') instance.moveTo({ ...state, forced: true });
    this.#host.log(instance, `Still running after ${timeoutMs / 1000}s, sending KILL to the process group`);
  }

  /** SIGKILL to the instance's group (or its process) now. */
  kill(instance: Instance): void {
    const { pid, pgid } = instance;
    if (pgid !== undefined && this.#host.ops.signalGroup(pgid, 'SIGKILL')) return;
    if (pid !== undefined) this.#host.ops.signalPid(pid, 'SIGKILL');
  }

  /** Groups of instances being stopped, for the adoption record. */
  groups(): StoppingGroup[] {
    return [...this.#stoppingGroups.values()];
  }

  #isRunningAnything(instance: Instance): boolean {
    // Until its exit event, our child may be an unreaped zombie that still holds its group
    // together; the exit event will check again. Scanning /proc for it now would cost a full
    // scan per instance per tick.
    const child = instance.child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) return true;
    if (instance.isAlive()) return true;
    return instance.pgid !== undefined && this.#host.ops.groupHasLiveMembers(instance.pgid);
  }

  #stopped(instance: Instance, escapees: Escapee[]): void {
    this.#stoppingGroups.delete(instance);
    this.#escaped.report(instance, escapees);
    const startedAtMs = instance.process?.startedAtMs;
    instance.moveTo({ name: 'stopped', forced: instance.forced });
    this.#host.ops.removePidFile(this.#host.pidFile(instance));
    this.#host.onStopped(instance);
    if (instance.forced) this.#host.log(instance, 'Stopped (forced with KILL)');
    if (this.#host.definitionOf(instance)?.schedule !== undefined) this.#host.onJobExit(instance, true, startedAtMs);
    this.#host.onGone(instance);
  }
}
