// Starting, respawning and stopping single instances, as transitions of the instance state
// machine (docs/architecture.md, "Instance states"): spawn into its own process group, follow
// a process that replaces itself, respawn within max_respawns per respawn_window, and stop the
// whole group with SIGKILL after stop_timeout. Operating-system work goes through ProcessOps
// and time through a Clock, so every rule here runs in unit tests without real processes.
// The pieces that stand alone live beside it: ports, environment, respawn policy, the
// respawn queue, the stopper, pid-file following, leftover sweeps and hooks. It is long
// because every transition of an instance is made here, in one place.
import type { ChildProcess } from 'node:child_process';
import type { AppConfig, ProcessDefinition } from '../config/types.js';
import { readEnvFile } from '../config/env-file.js';
import type { Logger } from '../logging/logger.js';
import type { OutputRelay } from '../logging/output-relay.js';
import { RespawnLogLimiter } from '../logging/respawn-log-limiter.js';
import type { Clock, TimerHandle } from './clock.js';
import { describeExit, describeExits } from './exit-description.js';
import { HookRunner, type HookKind } from './hooks.js';
import { EscapedProcesses, type Escapee } from './escaped-processes.js';
import { GroupSweeper, type StoppingGroup } from './group-sweeper.js';
import type { Instance } from './instance.js';
import { buildInstanceEnv, launchFingerprint } from './instance-env.js';
import { isLeaving, isUp, type ExitOutcome, type ProcessRef } from './instance-state.js';
import type { IssueTracker } from './issues.js';
import { instancePidFile } from './pid-files.js';
import { PidFollower } from './pid-follower.js';
import { assignPort, type PortRules } from './port-allocator.js';
import type { ProcessOps } from './process-ops.js';
import { decideRestart, isSuccess } from './respawn-policy.js';
import { RespawnQueue } from './respawn-queue.js';
import { Stopper } from './stopper.js';

export interface LifecycleHost {
  app(): AppConfig;
  definitionOf(instance: Instance): ProcessDefinition | undefined;
  usedPorts(processName: string): number[];
  portRules(): PortRules;
  currentTag(): string | undefined;
  respawnEnabled(): boolean;
  envFilePath(): string | undefined;
  inheritedEnv: NodeJS.ProcessEnv;
  /** Set in the foreground: output goes through the relay instead of log files. */
  relay?: OutputRelay;
  logger: Logger;
  issues: IssueTracker;
  ops: ProcessOps;
  clock: Clock;
  /** A number in [0, 1) for the backoff jitter (Math.random unless a test hands in its own). */
  random?: () => number;
  suggest(command: string): string;
  /** The instance is finished with and leaves the table. */
  onGone(instance: Instance): void;
  /** Something about an instance changed (for the adoption record and stop-when-none). */
  onChanged(instance: Instance): void;
  /** A run of a scheduled process, started at `startedAtMs`, has ended on its own or was stopped. */
  onJobExit(instance: Instance, stoppedByUser: boolean, startedAtMs: number | undefined): void;
}

interface Respawn {
  instance: Instance;
  definition: ProcessDefinition;
}

export class Lifecycle {
  readonly #host: LifecycleHost;
  readonly #ops: ProcessOps;
  readonly stopper: Stopper;
  readonly sweeper: GroupSweeper;
  readonly escaped: EscapedProcesses;
  readonly #pids: PidFollower;
  readonly #respawns: RespawnQueue<Respawn>;
  readonly #queued = new WeakMap<Instance, Respawn>();
  readonly #respawnLog = new RespawnLogLimiter();
  /** Respawns whose start is not logged line by line (a crash loop's summary covers them). */
  readonly #quietStarts = new WeakSet<Instance>();
  /** Groups of instances being stopped, for the adoption record. */
  readonly #stoppingGroups = new Map<Instance, StoppingGroup>();
  /** The timer that ends each backoff. */
  readonly #backoffs = new Map<Instance, TimerHandle>();
  readonly hooks: HookRunner;

  constructor(host: LifecycleHost) {
    this.#host = host;
    this.#ops = host.ops;
    this.stopper = new Stopper(host.clock, () => host.ops.snapshot());
    this.sweeper = new GroupSweeper(host.ops, this.stopper, host.clock);
    this.escaped = new EscapedProcesses(host.ops, host.clock, host.issues, (instance, message) => this.#log(instance, message));
    this.#pids = new PidFollower(host.ops, (instance) => this.#pidFile(instance), (instance, message) => this.#log(instance, message));
    this.#respawns = new RespawnQueue(host.clock, (respawn) => this.#respawn(respawn));
    this.hooks = new HookRunner({ ops: host.ops, clock: host.clock, log: (name, message) => host.logger.log(name, message) });
  }

  #log(instance: Instance, message: string): void {
    const color = this.#host.definitionOf(instance)?.color;
    this.#host.logger.log(instance.description, message, color);
  }

  #pidFile(instance: Instance): string {
    return instancePidFile(this.#host.app().pidRoot, instance.description);
  }

  /** Starts (or respawns) an instance; false when it could not be started. */
  async start(definition: ProcessDefinition, instance: Instance, isRespawn = false): Promise<boolean> {
    if (isLeaving(instance.state)) {
      this.#log(instance, 'Cannot start an instance that is stopping or stopped');
      return false;
    }
    if (instance.isAlive()) {
      this.#log(instance, `Already running with PID ${instance.pid}`);
      return true;
    }
    instance.moveTo({ name: 'starting' });
    const failure = await assignPort(definition, instance, this.#host.usedPorts(definition.name), this.#host.portRules(), (m) =>
      this.#log(instance, m),
    );
    if (failure !== undefined) return this.#failStart(definition, instance, failure, isRespawn);

    const app = this.#host.app();
    const envFilePath = this.#host.envFilePath();
    let envFile: Record<string, string> | undefined;
    if (envFilePath !== undefined) {
      const read = readEnvFile(envFilePath);
      if (!read.ok) return this.#failStart(definition, instance, read.error.message, isRespawn);
      envFile = read.value;
    }
    const pidFile = this.#pidFile(instance);
    const env = buildInstanceEnv(this.#host.inheritedEnv, app, envFile, definition, {
      procName: instance.description,
      pidFile,
      port: instance.port,
    });
    const relay = this.#host.relay;
    const quiet = isRespawn && this.#quietStarts.delete(instance);
    const outcome = await this.#ops.spawn({
      command: definition.command,
      cwd: app.root,
      env,
      output: relay === undefined ? { kind: 'file', path: definition.logPath } : { kind: 'pipe' },
    });
    if (!outcome.ok) return this.#failStart(definition, instance, outcome.message, isRespawn);

    const { child, pid } = outcome;
    // A stop may have come in while the port was chosen or the process spawned: honour it
    // rather than start managing a process nobody wants any more.
    if (stopRequested(instance)) {
      this.#ops.signalGroup(pid, 'SIGKILL');
      return false;
    }
    const process: ProcessRef = { pid, pgid: pid, procStartTime: this.#ops.stat(pid)?.startTime, child, startedAtMs: this.#host.clock.now() };
    // Without a readiness check an instance is ready as soon as it runs.
    instance.moveTo({ name: 'running', process, readyAtMs: process.startedAtMs });
    instance.tag = this.#host.currentTag() ?? instance.tag;
    instance.launchedWith = launchFingerprint(app, definition);
    this.#pids.claim(instance, pidFile);
    if (relay !== undefined) {
      if (child.stdout) relay.attach(instance.description, definition.color, child.stdout);
      if (child.stderr) relay.attach(instance.description, definition.color, child.stderr);
    }
    if (!quiet) {
      this.#log(instance, `Started with PID ${pid}${instance.tag === undefined ? '' : ` (tagged with ${instance.tag})`}`);
      if (relay === undefined) this.#log(instance, `Logging to ${definition.logPath}`);
    }
    this.#host.issues.resolve('process_failed_permanently', definition.name);
    child.once('exit', (code, signal) => this.#onExit(instance, child, code, signal));
    this.#host.onChanged(instance);
    return true;
  }

  #failStart(definition: ProcessDefinition, instance: Instance, message: string, isRespawn: boolean): false {
    this.#log(instance, `Failed to start: ${message}`);
    instance.startError = message;
    if (definition.schedule === undefined) this.#host.issues.report(
      'process_failed_permanently',
      definition.name,
      `Process '${definition.name}' failed to start: ${message} Fix it, then run \`${this.#host.suggest(`restart -p ${definition.name}`)}\`.`,
    );
    // A stop that came in meanwhile has already taken the instance out.
    if (stopRequested(instance)) return false;
    instance.moveTo({ name: 'failed', reason: message });
    this.#ops.removePidFile(this.#pidFile(instance));
    if (definition.schedule === undefined) this.#runHook('on_failure', definition, instance, instance.lastExit);
    if (isRespawn) this.#host.onChanged(instance);
    return false;
  }

  #onExit(instance: Instance, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (instance.child !== child) return;
    const exit: ExitOutcome = { status: code, signal, atMs: this.#host.clock.now() };
    instance.recordExit(exit);
    if (instance.state.name === 'stopping') {
      this.stopper.check(instance);
      return;
    }
    if (!isUp(instance.state)) return;
    if (this.#host.definitionOf(instance)?.schedule !== undefined) {
      // A scheduled run is never respawned: its end is just recorded.
      const startedAtMs = instance.process?.startedAtMs;
      instance.moveTo({ name: 'completed' });
      this.#ops.removePidFile(this.#pidFile(instance));
      this.#host.onJobExit(instance, false, startedAtMs);
      this.#host.onGone(instance);
      return;
    }
    this.handleDeath(instance, exit);
  }

  /**
   * An instance's main process died without being asked to: follow, respawn (at once or after
   * a backoff), complete or give up. `exit` is unknown for a process that was not our child.
   */
  handleDeath(instance: Instance, exit?: ExitOutcome): void {
    if (this.#pids.followAfterDeath(instance)) {
      this.#host.onChanged(instance);
      return;
    }
    const definition = this.#host.definitionOf(instance);
    // No orphans: whatever the dead instance left in its group goes with it.
    const pgid = instance.pgid;
    if (pgid !== undefined && this.#ops.groupHasLiveMembers(pgid)) {
      const leader = this.#ops.stat(pgid);
      this.sweeper.sweep(
        instance.description,
        pgid,
        leader?.pgid === pgid ? leader.startTime : undefined,
        definition?.termSignal ?? 'SIGTERM',
        (definition?.stopTimeout ?? 10) * 1000,
      );
    }
    if (definition === undefined) {
      // Its process was removed from the configuration: nothing to respawn.
      instance.moveTo({ name: 'completed' });
      this.#ops.removePidFile(this.#pidFile(instance));
      this.#host.onGone(instance);
      return;
    }
    const how = exit === undefined ? 'exit status unknown' : describeExit(exit);
    if (exit === undefined || !isSuccess(exit)) this.#runHook('on_crash', definition, instance, exit);
    if (!this.#host.respawnEnabled()) {
      this.#log(instance, `Process has stopped (${how}), Respawning not available`);
      this.#giveUp(definition, instance, `stopped and automatic respawning is disabled`);
      return;
    }
    const now = this.#host.clock.now();
    const run = { status: exit?.status ?? null, signal: exit?.signal ?? null, ranForMs: now - (instance.process?.startedAtMs ?? now) };
    const decision = decideRestart(run, instance, now, definition, (this.#host.random ?? Math.random)());
    if (decision.action === 'complete') {
      const leftOut = this.#respawnLog.flush(instance, now);
      if (leftOut !== undefined) this.#log(instance, leftOut);
      this.#log(instance, `Process has stopped (${how}); not restarted (restart: ${definition.restart})`);
      instance.moveTo({ name: 'completed' });
      this.#ops.removePidFile(this.#pidFile(instance));
      this.#host.onChanged(instance);
      return;
    }
    if (decision.action === 'give-up') {
      const leftOut = this.#respawnLog.flush(instance, now);
      if (leftOut !== undefined) this.#log(instance, leftOut);
      this.#log(
        instance,
        `Process has been respawned ${decision.respawns} times and keeps dying. It will not be respawned automatically any longer and will no longer be managed.`,
      );
      this.#giveUp(definition, instance, 'failed repeatedly and will not be respawned automatically');
      return;
    }
    const said = this.#respawnLog.respawned(instance, now);
    if (said.note !== undefined) this.#log(instance, said.note);
    const { delayMs, history } = decision;
    if (!said.full) this.#quietStarts.add(instance);
    else if (delayMs === 0) this.#log(instance, `Process has stopped (${how}), Respawning...`);
    else {
      this.#log(
        instance,
        `Process has stopped (${how}), ${history.quickFailures} times in a row within ${definition.minUptime}s of starting; respawning in ${(delayMs / 1000).toFixed(1)}s`,
      );
    }
    instance.respawns = history.respawns;
    instance.lastRespawnAt = history.lastRespawnAt;
    instance.quickFailures = history.quickFailures;
    if (delayMs === 0) {
      instance.moveTo({ name: 'starting' });
      this.#queueRespawn(instance, definition);
      return;
    }
    instance.moveTo({ name: 'backoff', untilMs: now + delayMs });
    this.#backoffs.set(instance, this.#host.clock.setTimeout(() => this.#endBackoff(instance), delayMs));
    this.#host.onChanged(instance);
  }

  #queueRespawn(instance: Instance, definition: ProcessDefinition): void {
    const respawn = { instance, definition };
    this.#queued.set(instance, respawn);
    this.#respawns.add(respawn);
  }

  #endBackoff(instance: Instance): void {
    this.#backoffs.delete(instance);
    if (instance.state.name !== 'backoff') return;
    const definition = this.#host.definitionOf(instance);
    if (definition === undefined) {
      // Its process was removed from the configuration while it waited.
      this.#quietStarts.delete(instance);
      void this.stop(instance);
      return;
    }
    instance.moveTo({ name: 'starting' });
    this.#queueRespawn(instance, definition);
  }

  /** Runs the instance's hook of `kind`, if it has one; never waits for it. */
  #runHook(kind: HookKind, definition: ProcessDefinition, instance: Instance, exit: ExitOutcome | undefined): void {
    const command = kind === 'on_crash' ? definition.onCrash : definition.onFailure;
    if (command === undefined) return;
    const app = this.#host.app();
    const env = buildInstanceEnv(this.#host.inheritedEnv, app, undefined, definition, {
      procName: instance.description,
      pidFile: this.#pidFile(instance),
      port: instance.port,
    });
    env.RESPAWNS = String(instance.respawns);
    const signal = exit?.signal ?? null;
    const status = exit?.status ?? null;
    if (signal !== null) env.SIGNAL = signal;
    else if (status !== null) env.EXIT_STATUS = String(status);
    this.hooks.run({ instance: instance.description, kind, command, cwd: app.root, env });
  }

  async #respawn({ instance, definition }: Respawn): Promise<void> {
    this.#queued.delete(instance);
    // Stopped while it waited: the stop wins, nothing is started.
    if (stopRequested(instance)) {
      this.#quietStarts.delete(instance);
      return;
    }
    try {
      await this.start(definition, instance, true);
    } catch (error) {
      this.#log(instance, `Respawn failed: ${(error as Error).message}`);
    }
  }

  #giveUp(definition: ProcessDefinition, instance: Instance, what: string): void {
    const ended = instance.recentExits.length === 0 ? '' : ` (the last runs ended: ${describeExits(instance.recentExits)})`;
    const hint =
      instance.lastExitStatus === 0
        ? '\nThis does not look like a long-running process: it exited with status 0.\nA Procfile process is expected to keep running; use a scheduled process (NAME__AT__cron) for one-off jobs.'
        : '';
    this.#host.issues.report(
      'process_failed_permanently',
      definition.name,
      `Process '${definition.name}' ${what}${ended}. Fix it, then run \`${this.#host.suggest(`restart -p ${definition.name}`)}\`.${hint}`,
    );
    instance.moveTo({ name: 'failed', reason: what });
    this.#ops.removePidFile(this.#pidFile(instance));
    this.#runHook('on_failure', definition, instance, instance.lastExit);
    this.#host.onChanged(instance);
  }

  /** Signals the instance's main process only (a usr1/usr2 restart: not its workers). */
  signalMain(instance: Instance, signal: NodeJS.Signals): boolean {
    return instance.pid !== undefined && this.#ops.signalPid(instance.pid, signal);
  }

  /** Re-reads the pid file and follows a process of this instance that replaced itself. */
  refreshPid(instance: Instance): void {
    if (this.#pids.refresh(instance)) this.#host.onChanged(instance);
  }

  /** Stops an instance and its whole group; resolves once nothing of it is left. */
  stop(instance: Instance): Promise<void> {
    if (instance.stopping !== undefined) return instance.stopping;
    const definition = this.#host.definitionOf(instance);
    instance.stopping = new Promise<void>((resolve) => {
      const wasFailed = instance.state.name === 'failed' || instance.state.name === 'completed';
      const inBackoff = instance.state.name === 'backoff';
      const queued = this.#queued.get(instance);
      if (queued !== undefined) this.#respawns.remove(queued);
      this.#host.clock.clear(this.#backoffs.get(instance));
      this.#backoffs.delete(instance);
      if (!wasFailed && instance.state.name === 'running') this.refreshPid(instance);
      const timeoutMs = (definition?.stopTimeout ?? 10) * 1000;
      const deadlineMs = this.#host.clock.now() + timeoutMs;
      const alive = !wasFailed && instance.isAlive();
      const process = alive ? instance.process : undefined;
      instance.moveTo({ name: 'stopping', process, deadlineMs, forced: false });
      let escapees: Escapee[] = [];
      if (process === undefined) {
        if (inBackoff) this.#log(instance, 'Waiting respawn cancelled');
        else if (!wasFailed) this.#log(instance, 'Process already stopped');
      } else {
        escapees = this.escaped.find(instance);
        const signal = definition?.termSignal ?? 'SIGTERM';
        this.#log(instance, `Sending ${signal.replace(/^SIG/, '')} to ${process.pid}`);
        if (process.pgid === undefined || !this.#ops.signalGroup(process.pgid, signal)) this.#ops.signalPid(process.pid, signal);
        if (process.pgid !== undefined) {
          const leader = this.#ops.stat(process.pgid);
          this.#stoppingGroups.set(instance, {
            description: instance.description,
            pgid: process.pgid,
            leaderStartTime: leader?.pgid === process.pgid ? leader.startTime : undefined,
            since: this.#ops.ticksSinceBoot(),
            killAt: deadlineMs,
          });
        }
      }
      // The record now lists this group as being stopped, for a successor to finish.
      this.#host.onChanged(instance);
      this.stopper.watch(instance, {
        deadlineMs,
        isRunning: () => this.#isRunningAnything(instance),
        kill: () => this.#kill(instance),
        onForced: () => this.#forced(instance, timeoutMs),
        onDone: () => {
          this.#stopped(instance, escapees);
          resolve();
        },
      });
    });
    return instance.stopping;
  }

  #forced(instance: Instance, timeoutMs: number): void {
    const state = instance.state;
    if (state.name === 'stopping') instance.moveTo({ ...state, forced: true });
    this.#log(instance, `Still running after ${timeoutMs / 1000}s, sending KILL to the process group`);
  }

  #kill(instance: Instance): void {
    const { pid, pgid } = instance;
    if (pgid !== undefined && this.#ops.signalGroup(pgid, 'SIGKILL')) return;
    if (pid !== undefined) this.#ops.signalPid(pid, 'SIGKILL');
  }

  /** Groups being stopped or swept, for the adoption record. */
  stoppingGroups(): StoppingGroup[] {
    return [...this.sweeper.pending(), ...this.#stoppingGroups.values()];
  }

  #isRunningAnything(instance: Instance): boolean {
    // Until its exit event, our child may be an unreaped zombie that still holds its group
    // together; the exit event will check again. Scanning /proc for it now would cost a full
    // scan per instance per tick.
    const child = instance.child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) return true;
    if (instance.isAlive()) return true;
    return instance.pgid !== undefined && this.#ops.groupHasLiveMembers(instance.pgid);
  }

  #stopped(instance: Instance, escapees: Escapee[]): void {
    this.#stoppingGroups.delete(instance);
    this.escaped.report(instance, escapees);
    const startedAtMs = instance.process?.startedAtMs;
    instance.moveTo({ name: 'stopped', forced: instance.forced });
    this.#ops.removePidFile(this.#pidFile(instance));
    const leftOut = this.#respawnLog.flush(instance, this.#host.clock.now());
    if (leftOut !== undefined) this.#log(instance, leftOut);
    if (instance.forced) this.#log(instance, 'Stopped (forced with KILL)');
    if (this.#host.definitionOf(instance)?.schedule !== undefined) this.#host.onJobExit(instance, true, startedAtMs);
    this.#host.onGone(instance);
  }
}

/** A function, not an inline test: the type checker would keep its narrowing across awaits. */
function stopRequested(instance: Instance): boolean {
  return isLeaving(instance.state);
}
