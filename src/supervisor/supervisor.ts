// The supervisor: owns the process table and carries out start, stop, restart, reload and
// concurrency requests. It knows nothing of sockets, argv or terminals; the daemon runner
// wires it to those. It is long because it is the one place where the parts (lifecycle,
// scheduler, proxy, adoption record) meet; each request's rules live in those modules.
import type { AppConfig, ProcessDefinition } from '../config/types.js';
import type { Result } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { OutputRelay } from '../logging/output-relay.js';
import { recordInstances, restoreSurvivors } from './adoption.js';
import type { Instance } from './instance.js';
import { IssueTracker } from './issues.js';
import { Lifecycle } from './lifecycle.js';
import { isLeaving } from './instance-state.js';
import { systemProcessOps, type ProcessOps } from './process-ops.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { ProcessTable, type ProcessEntry } from './process-table.js';
import { applyReload, type ReloadSummary } from './reload-report.js';
import { excessInstances, restartInstances } from './restart.js';
import type { InstanceView, RestartRequest, RestartResult, StartOutcome, StartRequest, StopRequest } from './requests.js';
import { matchesSelector, parseSelector } from './selectors.js';
import { suggestCommand } from './suggest-command.js';
import { Scheduler } from './scheduler.js';
import { Observation } from './observation.js';
import { TcpProxy } from '../proxy/tcp-proxy.js';
import { dependencyLevels } from '../config/dependencies.js';
import { systemProbes, type ReadinessProbes } from './readiness.js';
import { runRelease, type ReleaseFailure } from './release.js';
import { runCommand, type CommandRunner } from './run-command.js';
import { keepRunOptions, NOTHING_GIVEN, type GivenRunOptions } from './run-memory.js';

/** The periodic pass (as in Procodile); exits are seen at once through exit events (D4). */
const SUPERVISE_INTERVAL_MS = 3000;
/** Adopted processes are not our children, so their deaths are only seen by looking. */
const ADOPTED_CHECK_MS = 500;

export interface SupervisorOptions {
  version: string;
  foreground: boolean;
  respawn: boolean;
  stopWhenNone: boolean;
  proxy: boolean;
  envFile?: string;
  portAllocations: Record<string, number>;
  /** The run options this start's command line gave; they win over a predecessor's. */
  given?: GivenRunOptions;
  tag?: string;
  /** Which processes to start at once: names, every one, or none (`--no-processes`). */
  initialProcesses: string[] | 'all' | 'none';
  env: NodeJS.ProcessEnv;
  cwd: string;
  loadConfig: () => Result<AppConfig>;
  logger: Logger;
  relay?: OutputRelay;
  /** Called once, when the supervisor has stopped everything it should and wants to exit. */
  onShutdown: () => void;
  /** Operating-system work and time; the real ones unless a test hands in fakes. */
  ops?: ProcessOps;
  clock?: Clock;
  /** Ready checks; the real ones unless a test hands in fakes. */
  probes?: ReadinessProbes;
  /** Runs release_command; the real one unless a test hands in a fake. */
  runCommand?: CommandRunner;
  /** The backoff jitter's random source; Math.random unless a test hands in its own. */
  random?: () => number;
}

/**
 * After a change the adoption record waits a millisecond per this many instances (at once
 * below that), at most RECORD_DELAY_MAX_MS: only a supervisor that dies in that moment has not
 * yet recorded its newest instances for adoption.
 */
const RECORD_INSTANCES_PER_MS = 50;
const RECORD_DELAY_MAX_MS = 200;

export class Supervisor {
  config: AppConfig;
  readonly options: SupervisorOptions;
  readonly issues = new IssueTracker();
  readonly table: ProcessTable;
  readonly lifecycle: Lifecycle;
  readonly scheduler: Scheduler;
  readonly proxy: TcpProxy;
  readonly observation: Observation;
  startedAt?: number;
  #tag?: string;
  readonly #clock: Clock;
  readonly #ops: ProcessOps;
  #timers: TimerHandle[] = [];
  #shuttingDown = false;
  #recordPending = false;

  constructor(config: AppConfig, options: SupervisorOptions) {
    this.config = config;
    this.options = options;
    this.#tag = options.tag;
    const ops = options.ops ?? systemProcessOps;
    this.#ops = ops;
    this.#clock = options.clock ?? systemClock;
    // `proxy: true` in the options file: every start (the systemd unit, a start after a crash)
    // has it, unless the command line says `--no-proxy`.
    if (config.proxy === true && options.given?.proxy !== true) options.proxy = true;
    this.table = new ProcessTable(config, (pid, startTime) => ops.isSameProcess(pid, startTime));
    this.lifecycle = new Lifecycle({
      ops,
      clock: this.#clock,
      probes: options.probes ?? systemProbes(options.runCommand ?? runCommand),
      drain: (i) => this.#drain(i),
      ...(options.random === undefined ? {} : { random: options.random }),
      app: () => this.config,
      definitionOf: (i) => this.table.get(i.processName)?.definition,
      usedPorts: (name) =>
        (this.table.get(name)?.instances ?? []).flatMap((i) => (i.port !== undefined && i.state.name !== 'stopped' ? [i.port] : [])),
      portRules: () => ({ allocations: options.portAllocations, proxyEnabled: options.proxy }),
      currentTag: () => this.#tag,
      respawnEnabled: () => options.respawn,
      envFilePath: () => options.envFile,
      inheritedEnv: options.env,
      relay: options.relay,
      logger: options.logger,
      issues: this.issues,
      suggest: (command) => suggestCommand(this.config, options.cwd, command),
      onGone: (i) => {
        this.table.removeInstance(i);
        this.#instancesChanged();
      },
      onChanged: () => this.#instancesChanged(),
      onJobExit: (i, stoppedByUser, startedAtMs) =>
        this.scheduler.jobExited(i.processName, {
          exitStatus: i.lastExitStatus ?? null,
          stoppedByUser,
          startedAtMs: startedAtMs ?? this.#clock.now(),
        }),
    });
    this.scheduler = new Scheduler({
      clock: this.#clock,
      logger: options.logger,
      issues: this.issues,
      suggest: (command) => suggestCommand(this.config, options.cwd, command),
      scheduledDefinitions: () => this.#scheduled().map((e) => e.definition),
      runJob: (definition) => this.#runJob(definition),
    });
    this.proxy = new TcpProxy({
      logger: options.logger,
      targets: (name) =>
        (this.table.get(name)?.instances ?? []).flatMap((i) =>
          i.state.name === 'running' && i.port !== undefined ? [{ description: i.description, port: i.port }] : [],
        ),
      onBindFailed: (name, address, reason) =>
        this.issues.report('proxy_listener_failed', name, `The proxy for '${name}' cannot listen on ${address}: ${reason}. Change proxy_port or proxy_address, then run \`${suggestCommand(this.config, options.cwd, 'reload')}\`.`),
      onBindSucceeded: (name) => this.issues.resolve('proxy_listener_failed', name),
    });
    this.observation = new Observation({
      ops,
      clock: this.#clock,
      table: this.table,
      lifecycle: this.lifecycle,
      scheduler: this.scheduler,
      issues: this.issues,
      logger: options.logger,
      config: () => this.config,
      startedAt: () => this.startedAt,
      shuttingDown: () => this.#shuttingDown,
      suggest: (command) => suggestCommand(this.config, options.cwd, command),
    });
  }

  /** A leaving proxied instance's connections may finish before its term signal. */
  #drain(instance: Instance): Promise<void> | undefined {
    const definition = this.definitionOf(instance);
    if (!this.options.proxy || definition?.proxyPort === undefined || instance.port === undefined) return undefined;
    const seconds = definition.drainTimeout ?? definition.stopTimeout;
    return this.proxy.drain({ description: instance.description, port: instance.port }, seconds * 1000);
  }

  /** release_command, before anything is started or restarted; an error message when it failed. */
  async #release(): Promise<ReleaseFailure | undefined> {
    const command = this.config.releaseCommand;
    if (command === undefined) return undefined;
    this.#log(`Running release command: ${command}`);
    const failure = await runRelease(this.config, this.options.env, this.options.envFile, this.options.runCommand ?? runCommand);
    if (failure === undefined) {
      this.#log('Release command succeeded');
      this.issues.resolve('release_failed', 'release');
      return undefined;
    }
    this.#log([failure.message, ...failure.output].join('\n'));
    this.issues.report('release_failed', 'release', `${failure.message} ${failure.output.slice(-5).join(' / ')}`);
    return failure;
  }

  /** Waits until every given instance is ready; what went wrong with those that were not. */
  async #waitReady(instances: Instance[]): Promise<string[]> {
    const outcomes = await Promise.all(instances.map(async (i) => ({ i, outcome: await this.lifecycle.whenReady(i) })));
    return outcomes.flatMap(({ i, outcome }) => (outcome.ready ? [] : [`${i.description} ${outcome.reason}.`]));
  }

  #scheduled(): ProcessEntry[] {
    return this.table.entries().filter((e) => !e.removed && e.definition.schedule !== undefined);
  }

  async #runJob(definition: ProcessDefinition): Promise<boolean> {
    const entry = this.table.get(definition.name);
    if (entry === undefined) return false;
    const instance = this.table.newInstance(entry);
    if (await this.lifecycle.start(entry.definition, instance)) return true;
    this.table.removeInstance(instance);
    this.scheduler.runFailedToStart(definition.name, instance.startError ?? 'unknown error');
    return false;
  }

  /** Scheduled names the request names (all when it names none). */
  #scheduledIn(names: string[] | undefined): string[] {
    return this.#scheduled()
      .map((e) => e.definition.name)
      .filter((n) => names === undefined || names.includes(n));
  }

  #log(message: string): void {
    this.options.logger.log('system', message);
  }

  async start(): Promise<void> {
    this.#log(`Procodile supervisor started with PID ${process.pid}`);
    this.#log(`Application root is ${this.config.root}`);
    if (!this.options.respawn) this.#log('Automatic respawning is disabled');
    const previous = restoreSurvivors(this.table, this.config.pidRoot, this.options.logger, this.lifecycle.sweeper, this.#ops, this.#clock.now());
    if (previous !== undefined) for (const line of keepRunOptions(previous, this.options, this.options.given ?? NOTHING_GIVEN)) this.#log(line);
    await this.observation.listen();
    if (this.options.proxy) {
      this.#log('Proxy is enabled');
      await this.proxy.sync(this.#longRunning().map((e) => e.definition));
    }
    const initial = this.options.initialProcesses;
    // Q18: `start -p web` schedules only the jobs it names; --no-processes schedules none.
    const unscheduled = initial === 'all' ? [] : this.#scheduledIn(undefined).filter((n) => initial === 'none' || !initial.includes(n));
    if (unscheduled.length > 0) this.scheduler.disable(unscheduled);
    this.scheduler.sync();
    if (initial !== 'none' && (await this.#release()) === undefined) {
      const names = initial === 'all' ? undefined : initial;
      await this.#topUp(this.#longRunning().filter((e) => names === undefined || names.includes(e.definition.name)));
    }
    this.startedAt = Math.floor(this.#clock.now() / 1000);
    this.#timers.push(this.#clock.setInterval(() => this.#supervisePass(), SUPERVISE_INTERVAL_MS));
    this.#timers.push(this.#clock.setInterval(() => this.#checkAdopted(), ADOPTED_CHECK_MS));
    this.observation.sampler.start();
    this.#checkStopWhenNone();
  }

  #longRunning(): ProcessEntry[] {
    return this.table.entries().filter((e) => !e.removed && e.definition.schedule === undefined);
  }

  /**
   * Starts instances until each process has its configured quantity (D10), dependencies first.
   * A completed instance (its restart policy kept it from a respawn) counts toward the
   * quantity, unless `rerun` says that the user asked for the process by starting it.
   */
  async #topUp(entries: ProcessEntry[], rerun = false): Promise<Instance[]> {
    const started: Instance[] = [];
    const levels = dependencyLevels(entries);
    for (const [index, level] of levels.entries()) {
      for (const entry of level) {
        // A failed instance is replaced: asking to start a process means wanting it running.
        const replaced = entry.instances.filter((i) => i.state.name === 'failed' || (rerun && i.state.name === 'completed'));
        for (const instance of replaced) this.table.removeInstance(instance);
        const live = entry.instances.filter((i) => !isLeaving(i.state)).length;
        for (let n = live; n < entry.definition.quantity; n += 1) {
          const instance = this.table.newInstance(entry);
          if (await this.lifecycle.start(entry.definition, instance)) started.push(instance);
          else if (instance.state.name === 'failed') this.table.removeInstance(instance);
        }
      }
      // What depends on this level starts once it is ready (depends_on).
      if (index < levels.length - 1) {
        const waiting = level.flatMap((e) => e.instances.filter((i) => !isLeaving(i.state)));
        const notReady = await this.#waitReady(waiting);
        for (const text of notReady) this.#log(`Starting dependents anyway: ${text}`);
      }
    }
    return started;
  }

  reload(): Result<AppConfig> {
    const result = this.reloadConfig();
    return result.ok ? { ok: true, value: this.config } : result;
  }

  /** Reloads and says what changed. */
  reloadConfig(): Result<ReloadSummary[]> {
    this.#log('Reloading configuration');
    const loaded = this.options.loadConfig();
    if (!loaded.ok) {
      this.#log(`Configuration not reloaded: ${loaded.error.message}`);
      return loaded;
    }
    const previous = this.config;
    // The name and root are fixed for a supervisor's life (as in Procodile).
    this.config = { ...loaded.value, appName: previous.appName, root: previous.root };
    const changes = applyReload(this.table, this.issues, previous, this.config, (m) => this.#log(m));
    this.scheduler.sync();
    if (this.options.proxy) void this.proxy.sync(this.#longRunning().map((e) => e.definition));
    void this.observation.listen();
    return { ok: true, value: changes };
  }

  #reloadOrThrow(): void {
    const result = this.reload();
    if (!result.ok) throw result.error;
  }

  /** Tops the named processes (all when none) up to their quantity; the instances started. */
  async startProcesses<T>(request: StartRequest, view: InstanceView<T>): Promise<StartOutcome<T>> {
    this.#reloadOrThrow();
    if (request.tag !== undefined) this.#tag = request.tag;
    Object.assign(this.options.portAllocations, request.portAllocations ?? {});
    const names = request.processNames;
    this.scheduler.enable(names);
    const entries = this.#longRunning().filter((e) => names === undefined || names.includes(e.definition.name));
    const released = await this.#release();
    if (released !== undefined) return { started: [], errors: [`Nothing was started: ${released.message}`], releaseOutput: released.output };
    const started = await this.#topUp(entries, true);
    const errors = request.wait === true ? await this.#waitReady(started) : [];
    return { started: started.map(view), errors };
  }

  /** Begins stopping the named instances (all when none); the instances it stops. */
  stop<T>(request: StopRequest, view: InstanceView<T>): T[] {
    const reloaded = this.reload();
    if (!reloaded.ok) this.#log('Stopping with the configuration already loaded');
    const selectors = request.processNames?.map(parseSelector);
    this.scheduler.disable(request.processNames);
    // A running job is left to finish unless that very run (NAME.N) is named (as in Procodile).
    const scheduled = new Set(this.#scheduledIn(undefined));
    const chosen = this.table
      .allInstances()
      .filter((i) => !isLeaving(i.state))
      .filter((i) => selectors === undefined || matchesSelector(selectors, i.processName, i.id))
      .filter((i) => !scheduled.has(i.processName) || selectors?.some((s) => s.name === i.processName && s.instance === i.id));
    if (request.stopSupervisor === true) this.options.stopWhenNone = true;
    const stopped = chosen.map(view);
    void this.#stopInOrder(chosen);
    this.#checkStopWhenNone();
    return stopped;
  }

  /** Stops instances, those that others depend on after those others (depends_on). */
  async #stopInOrder(instances: Instance[]): Promise<void> {
    const entries = this.table.entries().filter((e) => instances.some((i) => i.processName === e.definition.name));
    const levels = dependencyLevels(entries).reverse();
    const orphans = instances.filter((i) => !entries.some((e) => e.definition.name === i.processName));
    for (const [index, level] of levels.entries()) {
      const names = new Set(level.map((e) => e.definition.name));
      const stopping = instances.filter((i) => names.has(i.processName) || (index === 0 && orphans.includes(i))).map((i) => this.lifecycle.stop(i));
      await Promise.all(stopping);
    }
    if (levels.length === 0) await Promise.all(orphans.map((i) => this.lifecycle.stop(i)));
  }

  /** Stops everything and shuts down once it has all gone (SIGINT, SIGTERM: D6). */
  stopAll(): Promise<void> {
    this.options.stopWhenNone = true;
    const stopping = this.#stopInOrder(this.table.allInstances());
    this.#checkStopWhenNone();
    return stopping;
  }

  /** SIGKILL to every instance's group at once: a second INT or TERM means now. */
  killAll(): void {
    for (const instance of this.table.allInstances()) this.lifecycle.kill(instance);
  }

  async restart<T>(request: RestartRequest, view: InstanceView<T>): Promise<RestartResult<T>> {
    this.#reloadOrThrow();
    if (request.tag !== undefined) this.#tag = request.tag;
    const selectors = request.processNames?.map(parseSelector);
    this.scheduler.enable(request.processNames);
    this.observation.restarted(this.#longRunning().map((e) => e.definition.name).filter((n) => selectors === undefined || selectors.some((s) => s.name === n)));
    // A completed run of a selected process is started anew, like a stopped one.
    for (const entry of this.#longRunning()) {
      if (selectors !== undefined && !selectors.some((s) => s.name === entry.definition.name)) continue;
      for (const instance of entry.instances.filter((i) => i.state.name === 'completed')) {
        if (selectors === undefined || matchesSelector(selectors, instance.processName, instance.id)) this.table.removeInstance(instance);
      }
    }
    this.#log(selectors === undefined ? `Restarting all ${this.config.appName} processes` : `Restarting ${selectors.length} process(es)`);
    const released = await this.#release();
    if (released !== undefined) {
      return { changes: [], warnings: [], errors: [`Nothing was restarted: ${released.message}`], releaseOutput: released.output };
    }
    // Every instance the restart reports, so that --wait can wait for the new ones.
    const reported = new Set<Instance>();
    const { changes, warnings, failures } = await restartInstances({
      app: this.config,
      entries: this.#longRunning(),
      tag: request.tag,
      selectors,
      table: this.table,
      lifecycle: this.lifecycle,
      logger: this.options.logger,
      view: (i) => {
        reported.add(i);
        return view(i);
      },
    });
    for (const failure of failures) {
      this.issues.report('instance_not_ready', failure.processName, `Restart of '${failure.processName}' stopped: ${failure.message}`);
    }
    const errors = failures.map((f) => f.message);
    if (request.wait === true) {
      const current = [...reported].filter((i) => !isLeaving(i.state));
      errors.push(...(await this.#waitReady(current)).filter((e) => !errors.includes(e)));
    }
    return { changes, warnings, errors };
  }

  /** Stops what is beyond each quantity and starts what is missing. */
  async checkConcurrency<T>(request: { reload?: boolean }, view: InstanceView<T>): Promise<{ started: T[]; stopped: T[] }> {
    this.#log('Checking process concurrency');
    if (request.reload !== false) this.#reloadOrThrow();
    const stopped: T[] = [];
    for (const entry of this.#longRunning()) {
      for (const extra of excessInstances(entry)) {
        void this.lifecycle.stop(extra);
        stopped.push(view(extra));
      }
    }
    const started = await this.#topUp(this.#longRunning());
    if (started.length === 0 && stopped.length === 0) this.#log('Process concurrency looks good');
    return { started: started.map(view), stopped };
  }

  /** The supervisor's clock, for what reports it (uptime). */
  now(): number {
    return this.#clock.now();
  }

  definitionOf(instance: Instance): ProcessDefinition | undefined {
    return this.table.get(instance.processName)?.definition;
  }

  #supervisePass(): void {
    try {
      for (const instance of this.table.allInstances()) {
        if (instance.state.name === 'running') this.lifecycle.refreshPid(instance);
      }
      this.#checkAdopted();
      this.lifecycle.escaped.review();
      this.#checkStopWhenNone();
    } catch (error) {
      this.#log(`Supervisor loop failed: ${(error as Error).message}`);
    }
  }

  #checkAdopted(): void {
    for (const instance of this.table.allInstances()) {
      if (instance.state.name === 'running' && instance.isAdopted && !instance.isAlive()) {
        this.lifecycle.handleDeath(instance);
      }
    }
  }

  #instancesChanged(): void {
    this.#checkStopWhenNone();
    if (this.#recordPending) return;
    this.#recordPending = true;
    const save = (): void => {
      this.#recordPending = false;
      this.#saveRecord();
    };
    // The record lists every instance, so writing it after each of thousands of starts costs
    // the square of their number: a large application's changes are gathered a little longer.
    const delayMs = Math.min(RECORD_DELAY_MAX_MS, Math.floor(this.table.allInstances().length / RECORD_INSTANCES_PER_MS));
    if (delayMs === 0) setImmediate(save);
    else setTimeout(save, delayMs);
  }

  #saveRecord(): void {
    try {
      const { proxy, envFile, portAllocations } = this.options;
      const run = { proxy, portAllocations, ...(envFile === undefined ? {} : { envFile }) };
      recordInstances(this.config.pidRoot, this.config.root, this.table.allInstances(), this.lifecycle.stoppingGroups(), run);
    } catch (error) {
      this.#log(`Could not record instances for adoption: ${(error as Error).message}`);
    }
  }

  #checkStopWhenNone(): void {
    if (!this.options.stopWhenNone || this.#shuttingDown || this.startedAt === undefined) return;
    // Asked after every change of every instance: with thousands stopping, listing them all
    // each time made `stop -s` take minutes.
    if (this.table.someInstance((i) => i.state.name !== 'failed' && i.state.name !== 'completed')) return;
    this.#log('All processes have stopped');
    this.shutdown();
  }

  /** Stops the timers and hands control back to the runner; instances are left as they are. */
  shutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const timer of this.#timers) this.#clock.clear(timer);
    this.scheduler.close();
    void this.proxy.close();
    this.observation.close();
    this.#saveRecord();
    this.options.onShutdown();
  }
}

