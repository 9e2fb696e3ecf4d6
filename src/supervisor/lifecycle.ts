// Starting, respawning and giving up on single instances, as transitions of the instance
// state machine (docs/architecture.md, "Instance states"): spawn into its own process group,
// wait for readiness, follow a process that replaces itself, and on a death decide between
// respawn, backoff, completion and failure. Operating-system work goes through ProcessOps and
// time through a Clock, so every rule here runs in unit tests without real processes. It is
// long because those transitions read each other's state; what stands alone lives beside it:
// stopping (instance-stops.ts), ports, environment, the restart decision, the respawn queue,
// pid-file following, readiness probes, hooks and leftover sweeps.
import type { ChildProcess } from 'node:child_process';
import { DEFAULT_READY_TIMEOUT, type AppConfig, type ProcessDefinition } from '../config/types.js';
import { readEnvFile } from '../config/env-file.js';
import type { Logger } from '../logging/logger.js';
import type { OutputRelay } from '../logging/output-relay.js';
import { RespawnLogLimiter } from '../logging/respawn-log-limiter.js';
import type { Clock, TimerHandle } from './clock.js';
import { describeExit, describeExits } from './exit-description.js';
import { HookRunner, type HookKind } from './hooks.js';
import { EscapedProcesses } from './escaped-processes.js';
import { InstanceStops } from './instance-stops.js';
import { GroupSweeper, type StoppingGroup } from './group-sweeper.js';
import type { Instance } from './instance.js';
import { buildInstanceEnv, launchFingerprint } from './instance-env.js';
import { isLeaving, isUp, type ExitOutcome, type ProcessRef } from './instance-state.js';
import type { IssueTracker } from './issues.js';
import { instancePidFile } from '../runtime/pid-files.js';
import { PidFollower } from './pid-follower.js';
import { assignPort, type PortRules } from './port-allocator.js';
import type { ProcessOps } from './process-ops.js';
import { decideRestart, isSuccess } from './respawn-policy.js';
import { describeCheck, ReadinessWatch, type Probe, type ReadinessProbes, type ReadyOutcome } from './readiness.js';
import { RespawnQueue } from './respawn-queue.js';
import { logTarget } from './spawn-instance.js';
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
  probes: ReadinessProbes;
  /**
   * Called when an instance leaves, before its term signal: resolves once its proxied
   * connections have finished or may no longer wait; undefined when there is nothing to drain.
   */
  drain?(instance: Instance): Promise<void> | undefined;
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
  readonly #stops: InstanceStops;
  /** Readiness checks of instances in `starting` with a process. */
  readonly #watches = new Map<Instance, ReadinessWatch>();
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
    this.#stops = new InstanceStops(
      {
        ops: host.ops,
        clock: host.clock,
        definitionOf: (instance) => host.definitionOf(instance),
        pidFile: (instance) => this.#pidFile(instance),
        log: (instance, message) => this.#log(instance, message),
        drain: host.drain === undefined ? undefined : (instance) => host.drain?.(instance),
        onChanged: (instance) => host.onChanged(instance),
        onStopped: (instance) => {
          const leftOut = this.#respawnLog.flush(instance, host.clock.now());
          if (leftOut !== undefined) this.#log(instance, leftOut);
        },
        onJobExit: (instance, stoppedByUser, startedAtMs) => host.onJobExit(instance, stoppedByUser, startedAtMs),
        onGone: (instance) => host.onGone(instance),
      },
      this.stopper,
      this.escaped,
    );
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
    let probe: Probe | undefined;
    if (definition.ready !== undefined) {
      // Opened before the spawn, so a log check sees the very first line of output.
      const opened = this.#host.probes.open(definition.ready, {
        port: instance.port,
        cwd: app.root,
        env,
        logPath: relay === undefined ? definition.logPath : undefined,
        runtimeDir: app.pidRoot,
      });
      if ('problem' in opened) return this.#failStart(definition, instance, opened.problem, isRespawn);
      probe = opened;
      const prepared = await opened.prepare?.();
      if (prepared !== undefined && 'problem' in prepared) {
        opened.close();
        return this.#failStart(definition, instance, prepared.problem, isRespawn);
      }
      Object.assign(env, prepared?.env);
    }
    const quiet = isRespawn && this.#quietStarts.delete(instance);
    // A pid file left from an earlier run names nothing of this one; what is there after the
    // spawn was written by the new process itself.
    this.#ops.removePidFile(pidFile);
    const output = relay === undefined ? logTarget(app, definition, instance.id) : undefined;
    const outcome = await this.#ops.spawn({
      command: definition.command,
      cwd: app.root,
      env,
      output: output ?? { kind: 'pipe' },
      onNotice: (message) => this.#log(instance, message),
    });
    if (!outcome.ok) {
      probe?.close();
      return this.#failStart(definition, instance, outcome.message, isRespawn);
    }

    const { child, pid } = outcome;
    // A stop may have come in while the port was chosen or the process spawned: honour it
    // rather than start managing a process nobody wants any more.
    if (stopRequested(instance)) {
      probe?.close();
      this.#ops.signalGroup(pid, 'SIGKILL');
      return false;
    }
    const process: ProcessRef = { pid, pgid: pid, procStartTime: this.#ops.stat(pid)?.startTime, child, startedAtMs: this.#host.clock.now() };
    if (probe === undefined || definition.ready === undefined) {
      // Without a readiness check an instance is ready as soon as it runs.
      instance.moveTo({ name: 'running', process, readyAtMs: process.startedAtMs });
    } else {
      instance.moveTo({ name: 'starting', process });
      const streams = [child.stdout, child.stderr].filter((s) => s !== null);
      if (streams.length > 0) probe.watchOutput(streams);
      this.#watchReadiness(definition, instance, process, probe);
    }
    instance.tag = this.#host.currentTag() ?? instance.tag;
    instance.launchedWith = launchFingerprint(app, definition);
    this.#pids.claim(instance, pidFile);
    if (relay !== undefined) {
      if (child.stdout) relay.attach(instance.description, definition.color, child.stdout);
      if (child.stderr) relay.attach(instance.description, definition.color, child.stderr);
    }
    if (!quiet) {
      this.#log(instance, `Started with PID ${pid}${instance.tag === undefined ? '' : ` (tagged with ${instance.tag})`}`);
      if (output !== undefined) this.#log(instance, `Logging to ${output.path}`);
    }
    this.#host.issues.resolve('process_failed_permanently', definition.name);
    child.once('exit', (code, signal) => this.#onExit(instance, child, code, signal));
    this.#host.onChanged(instance);
    return true;
  }

  #watchReadiness(definition: ProcessDefinition, instance: Instance, process: ProcessRef, probe: Probe): void {
    const ready = definition.ready;
    if (ready === undefined) return;
    const seconds = definition.readyTimeout ?? DEFAULT_READY_TIMEOUT;
    const watch = new ReadinessWatch(probe, this.#host.clock, seconds * 1000, `was not ready within ${seconds}s (${describeCheck(ready)})`);
    this.#watches.set(instance, watch);
    void watch.outcome.then((outcome) => this.#readinessSettled(definition, instance, process, watch, outcome));
  }

  #readinessSettled(definition: ProcessDefinition, instance: Instance, process: ProcessRef, watch: ReadinessWatch, outcome: ReadyOutcome): void {
    if (this.#watches.get(instance) === watch) this.#watches.delete(instance);
    const state = instance.state;
    // The process died or is being stopped: whoever ended the check has dealt with it.
    if (state.name !== 'starting' || state.process !== process) return;
    if (outcome.ready) {
      instance.moveTo({ name: 'running', process, readyAtMs: outcome.atMs });
      this.#log(instance, `Ready after ${((outcome.atMs - process.startedAtMs) / 1000).toFixed(1)}s`);
      this.#host.issues.resolve('instance_not_ready', definition.name);
      this.#host.onChanged(instance);
      return;
    }
    // An instance that never became ready must not take work: it is stopped, and a rolling
    // restart that waited for it keeps the instance it was to replace.
    const text = `${instance.description} ${outcome.reason}; it was stopped.`;
    this.#log(instance, `Not ready: ${outcome.reason}; stopping it`);
    this.#host.issues.report('instance_not_ready', definition.name, `${text} Check its log (${definition.logPath}), fix it, then run \`${this.#host.suggest(`restart -p ${definition.name}`)}\`.`);
    instance.notReady = outcome.reason;
    void this.stop(instance);
  }

  /** Whether and when the instance became ready; waits while its check runs. */
  whenReady(instance: Instance): Promise<ReadyOutcome> {
    const state = instance.state;
    if (state.name === 'running') return Promise.resolve({ ready: true, atMs: state.readyAtMs });
    const watch = this.#watches.get(instance);
    if (watch !== undefined) return watch.outcome;
    if (instance.notReady !== undefined) return Promise.resolve({ ready: false, reason: instance.notReady });
    const why = instance.lastExit === undefined ? `is ${state.name}` : `exited (${exitWords(instance)}) before it was ready`;
    return Promise.resolve({ ready: false, reason: why });
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
    this.#watches.get(instance)?.cancel(`exited (${exitWords(instance)}) before it was ready`);
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
        `Process has stopped (${how}); it has been respawned ${decision.respawns} times and keeps dying. It will not be respawned automatically any longer and will no longer be managed.`,
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
    // Nothing waiting to start it again may outlive the stop.
    const queued = this.#queued.get(instance);
    if (queued !== undefined) this.#respawns.remove(queued);
    this.#host.clock.clear(this.#backoffs.get(instance));
    this.#backoffs.delete(instance);
    if (instance.state.name === 'running') this.refreshPid(instance);
    this.#watches.get(instance)?.cancel('was stopped before it was ready');
    return this.#stops.stop(instance);
  }

  /** SIGKILL to the instance's group (or its process) now. */
  kill(instance: Instance): void {
    this.#stops.kill(instance);
  }

  /** Groups being stopped or swept, for the adoption record. */
  stoppingGroups(): StoppingGroup[] {
    return [...this.sweeper.pending(), ...this.#stops.groups()];
  }
}

/** How a run ended, in the words of a readiness failure: "status 1", "signal KILL". */
function exitWords(instance: Instance): string {
  const exit = instance.lastExit;
  if (exit === undefined) return 'unknown status';
  return exit.signal === null ? `status ${exit.status ?? 'unknown'}` : `signal ${exit.signal.replace(/^SIG/, '')}`;
}

/** A function, not an inline test: the type checker would keep its narrowing across awaits. */
function stopRequested(instance: Instance): boolean {
  return isLeaving(instance.state);
}
