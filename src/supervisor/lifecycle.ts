// Starting, stopping and respawning single instances: the rules of spec 6.5, 6.6, 6.8 and
// 6.9, with D3 (whole-group stop with SIGKILL after stop_timeout) and D4 (exit events).
// Kept whole on purpose: it is one state machine (starting, running, stopping, stopped,
// failed), and its transitions read each other's state; the pieces that stand alone (ports,
// spawning, respawn policy, env, leftover sweeps) already live in their own modules.
import type { ChildProcess } from 'node:child_process';
import type { AppConfig, ProcessDefinition } from '../config/types.js';
import { readEnvFile } from '../config/env-file.js';
import type { Logger } from '../logging/logger.js';
import type { OutputRelay } from '../logging/output-relay.js';
import { RespawnLogLimiter } from '../logging/respawn-log-limiter.js';
import { groupHasLiveMembers, isAlive, readProcStat } from '../proc/liveness.js';
import { ownProcessGroup, signalGroup, signalPid } from '../proc/process-group.js';
import { isPartOfInstance, ticksSinceBoot } from '../proc/process-tree.js';
import type { Instance } from './instance.js';
import { buildInstanceEnv, launchFingerprint } from './instance-env.js';
import type { IssueTracker } from './issues.js';
import { instancePidFile, readPidFile, removePidFile, writePidFile } from './pid-files.js';
import { assignPort, type PortRules } from './port-allocator.js';
import { decideRespawn } from './respawn-policy.js';
import { logTarget, spawnProcess } from './spawn-instance.js';
import { GroupSweeper, type StoppingGroup } from './group-sweeper.js';
import { EscapedProcesses, type Escapee } from './escaped-processes.js';

/** How often a stopping instance's group is checked for stragglers. */
const STOP_POLL_MS = 50;
/**
 * Respawns are started from a queue, a few milliseconds' worth per turn of the event loop.
 * Starting one from inside the exit event would never let the loop breathe in a crash loop:
 * each spawn is one more exit signal for libuv to deliver before it polls again, so the
 * control socket and TERM/INT were never served (README.md, "When a process keeps crashing").
 */
const RESPAWN_BUDGET_MS = 10;

interface StopWaiter {
  deadline: number;
  timeoutMs: number;
  resolve: () => void;
  /** For the adoption record: the group being stopped, if any. */
  group?: StoppingGroup;
  escapees: Escapee[];
}

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
  suggest(command: string): string;
  /** The instance is finished with and leaves the table. */
  onGone(instance: Instance): void;
  /** Something about an instance changed (for the adoption record and stop-when-none). */
  onChanged(instance: Instance): void;
  /** A run of a scheduled process has ended, on its own or because it was stopped. */
  onJobExit(instance: Instance, stoppedByUser: boolean): void;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export class Lifecycle {
  readonly #host: LifecycleHost;
  /** Instances being stopped; one shared timer watches them all. */
  readonly #stopWaiters = new Map<Instance, StopWaiter>();
  readonly sweeper = new GroupSweeper();
  #stopPoll?: NodeJS.Timeout;
  readonly #respawnQueue = new Map<Instance, ProcessDefinition>();
  readonly #respawnLog = new RespawnLogLimiter();
  /** Respawns whose start is not logged line by line (a crash loop's summary covers them). */
  readonly #quietStarts = new WeakSet<Instance>();
  #respawnDraining = false;
  /** The last pid-file pid each instance refused to follow, so it is logged once. */
  readonly #ignoredPids = new WeakMap<Instance, number>();
  readonly escaped: EscapedProcesses;

  constructor(host: LifecycleHost) {
    this.#host = host;
    this.escaped = new EscapedProcesses(host.issues, (instance, message) => this.#log(instance, message));
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
    if (instance.state === 'stopping' || instance.state === 'stopped') {
      this.#log(instance, 'Cannot start an instance that is stopping or stopped');
      return false;
    }
    if (instance.isAlive()) {
      this.#log(instance, `Already running with PID ${instance.pid}`);
      return true;
    }
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
    const output = relay === undefined ? logTarget(app, definition, instance.id) : undefined;
    const outcome = await spawnProcess({
      command: definition.command,
      cwd: app.root,
      env,
      output: output ?? { kind: 'pipe' },
      onNotice: (message) => this.#log(instance, message),
    });
    if (!outcome.ok) return this.#failStart(definition, instance, outcome.message, isRespawn);

    const { child, pid } = outcome;
    // A stop may have come in while the port was chosen or the process spawned: honour it
    // rather than start managing a process nobody wants any more.
    if (stopRequested(instance)) {
      signalGroup(pid, 'SIGKILL');
      return false;
    }
    instance.child = child;
    instance.pid = pid;
    instance.pgid = pid;
    instance.procStartTime = readProcStat(pid)?.startTime;
    instance.startedAtMs = Date.now();
    instance.startedAt = Math.floor(instance.startedAtMs / 1000);
    instance.state = 'running';
    instance.forced = false;
    instance.tag = this.#host.currentTag() ?? instance.tag;
    instance.launchedWith = launchFingerprint(app, definition);
    // The child may already have written its successor there (it can run before we get here).
    const early = readPidFile(pidFile);
    if (early === undefined || early === pid || !isPartOfInstance(early, pid, pid, ownProcessGroup())) writePidFile(pidFile, pid);
    if (relay !== undefined) {
      if (child.stdout) relay.attach(instance.description, definition.color, child.stdout);
      if (child.stderr) relay.attach(instance.description, definition.color, child.stderr);
    }
    if (!quiet) {
      this.#log(instance, `Started with PID ${pid}${instance.tag === undefined ? '' : ` (tagged with ${instance.tag})`}`);
      if (output !== undefined) this.#log(instance, `Logging to ${output.path}`);
    }
    this.#host.issues.resolve('process_failed_permanently', definition.name);
    child.once('exit', (code) => this.#onExit(instance, child, code));
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
    instance.state = 'failed';
    instance.child = undefined;
    removePidFile(this.#pidFile(instance));
    if (isRespawn) this.#host.onChanged(instance);
    return false;
  }

  #onExit(instance: Instance, child: ChildProcess, code: number | null): void {
    if (instance.child !== child) return;
    instance.child = undefined;
    instance.lastExitStatus = code;
    if (instance.state === 'stopping') {
      this.#checkStopped(instance);
      return;
    }
    if (instance.state !== 'running') return;
    if (this.#host.definitionOf(instance)?.schedule !== undefined) {
      // A scheduled run is never respawned: its end is just recorded (spec 8.4).
      instance.state = 'stopped';
      removePidFile(this.#pidFile(instance));
      this.#host.onJobExit(instance, false);
      this.#host.onGone(instance);
      return;
    }
    this.handleDeath(instance);
  }

  /** An instance's main process died without being asked to: follow, respawn or give up. */
  handleDeath(instance: Instance): void {
    // A process that re-executes itself (unicorn) writes its successor into PID_FILE. The
    // main process is dead, so its pid proves nothing: only the group counts.
    const filePid = readPidFile(this.#pidFile(instance));
    if (filePid !== undefined && filePid !== instance.pid && isAlive(filePid)) {
      if (isPartOfInstance(filePid, undefined, instance.pgid, ownProcessGroup())) {
        this.adoptPid(instance, filePid);
        return;
      }
      this.#ignorePidFile(instance, filePid, false);
    }
    // No orphans (D3): whatever the dead instance left in its group goes with it.
    if (instance.pgid !== undefined && groupHasLiveMembers(instance.pgid)) {
      const definition = this.#host.definitionOf(instance);
      const leader = readProcStat(instance.pgid);
      this.sweeper.sweep(
        instance.description,
        instance.pgid,
        leader?.pgid === instance.pgid ? leader.startTime : undefined,
        definition?.termSignal ?? 'SIGTERM',
        (definition?.stopTimeout ?? 10) * 1000,
      );
    }
    const definition = this.#host.definitionOf(instance);
    if (definition === undefined) {
      instance.state = 'stopped';
      removePidFile(this.#pidFile(instance));
      this.#host.onGone(instance);
      return;
    }
    if (!this.#host.respawnEnabled()) {
      this.#log(instance, 'Process has stopped, Respawning not available');
      this.#giveUp(definition, instance, `stopped and automatic respawning is disabled`);
      return;
    }
    const now = nowSeconds();
    const decision = decideRespawn(instance, definition, now);
    if (decision.action === 'give-up') {
      const leftOut = this.#respawnLog.flush(instance, Date.now());
      if (leftOut !== undefined) this.#log(instance, leftOut);
      this.#log(
        instance,
        `Process has been respawned ${decision.respawns} times and keeps dying. It will not be respawned automatically any longer and will no longer be managed.`,
      );
      this.#giveUp(definition, instance, 'failed repeatedly and will not be respawned automatically');
      return;
    }
    const said = this.#respawnLog.respawned(instance, Date.now());
    if (said.note !== undefined) this.#log(instance, said.note);
    if (said.full) this.#log(instance, 'Process has stopped, Respawning...');
    else this.#quietStarts.add(instance);
    instance.respawns = decision.history.respawns;
    instance.lastRespawnAt = decision.history.lastRespawnAt;
    this.#queueRespawn(definition, instance);
  }

  #queueRespawn(definition: ProcessDefinition, instance: Instance): void {
    this.#respawnQueue.set(instance, definition);
    if (this.#respawnDraining) return;
    this.#respawnDraining = true;
    setImmediate(() => void this.#drainRespawns());
  }

  /** One at a time, so the budget measures the spawns themselves; the rest waits a turn. */
  async #drainRespawns(): Promise<void> {
    const deadline = Date.now() + RESPAWN_BUDGET_MS;
    for (const [instance, definition] of this.#respawnQueue) {
      if (Date.now() >= deadline) {
        setImmediate(() => void this.#drainRespawns());
        return;
      }
      this.#respawnQueue.delete(instance);
      // Stopped while it waited: the stop wins, nothing is started.
      if (stopRequested(instance)) {
        this.#quietStarts.delete(instance);
        continue;
      }
      try {
        await this.start(definition, instance, true);
      } catch (error) {
        this.#log(instance, `Respawn failed: ${(error as Error).message}`);
      }
    }
    this.#respawnDraining = false;
  }

  #giveUp(definition: ProcessDefinition, instance: Instance, what: string): void {
    const hint =
      instance.lastExitStatus === 0
        ? '\nThis does not look like a long-running process: it exited with status 0.\nA Procfile process is expected to keep running; use a scheduled process (NAME__AT__cron) for one-off jobs.'
        : '';
    this.#host.issues.report(
      'process_failed_permanently',
      definition.name,
      `Process '${definition.name}' ${what}. Fix it, then run \`${this.#host.suggest(`restart -p ${definition.name}`)}\`.${hint}`,
    );
    instance.state = 'failed';
    removePidFile(this.#pidFile(instance));
    this.#host.onChanged(instance);
  }

  /** Takes over a live pid we did not spawn (pid-file change, or a previous supervisor's). */
  adoptPid(instance: Instance, pid: number): void {
    const stat = readProcStat(pid);
    instance.pid = pid;
    instance.procStartTime = stat?.startTime;
    instance.pgid = stat?.pgid;
    instance.child = undefined;
    instance.state = instance.state === 'stopping' ? 'stopping' : 'running';
    this.#log(instance, `PID file changed, Updated pid to ${pid}`);
    this.#host.onChanged(instance);
  }

  /**
   * Re-reads the pid file and follows a process that replaced itself, but only to a process
   * of this instance: a member of its process group or a descendant (README.md, "Pid files
   * and what procodile signals"). Anyone who can write the pid file could name any pid.
   */
  refreshPid(instance: Instance): void {
    const filePid = readPidFile(this.#pidFile(instance));
    if (filePid === undefined || filePid === instance.pid || !isAlive(filePid)) return;
    const mainAlive = instance.isAlive();
    if (isPartOfInstance(filePid, mainAlive ? instance.pid : undefined, instance.pgid, ownProcessGroup())) {
      this.adoptPid(instance, filePid);
      return;
    }
    this.#ignorePidFile(instance, filePid, mainAlive);
  }

  #ignorePidFile(instance: Instance, filePid: number, restore: boolean): void {
    if (this.#ignoredPids.get(instance) !== filePid) {
      this.#ignoredPids.set(instance, filePid);
      this.#log(instance, `PID file names PID ${filePid}, which is not part of ${instance.description}; ignored`);
    }
    if (!restore || instance.pid === undefined) return;
    try {
      writePidFile(this.#pidFile(instance), instance.pid);
    } catch (error) {
      this.#log(instance, `Could not write ${this.#pidFile(instance)}: ${(error as Error).message}`);
    }
  }

  /** Stops an instance and its whole group; resolves once nothing of it is left. */
  stop(instance: Instance): Promise<void> {
    if (instance.stopping !== undefined) return instance.stopping;
    const definition = this.#host.definitionOf(instance);
    instance.stopping = new Promise<void>((resolve) => {
      const wasFailed = instance.state === 'failed';
      instance.state = 'stopping';
      if (!wasFailed) this.refreshPid(instance);
      const pid = instance.pid;
      const timeoutMs = (definition?.stopTimeout ?? 10) * 1000;
      const waiter: StopWaiter = { deadline: Date.now() + timeoutMs, timeoutMs, resolve, escapees: [] };
      if (pid === undefined || wasFailed || !instance.isAlive()) {
        if (!wasFailed) this.#log(instance, 'Process already stopped');
      } else {
        waiter.escapees = this.escaped.find(instance);
        const signal = definition?.termSignal ?? 'SIGTERM';
        this.#log(instance, `Sending ${signal.replace(/^SIG/, '')} to ${pid}`);
        if (instance.pgid === undefined || !signalGroup(instance.pgid, signal)) signalPid(pid, signal);
      }
      if (!wasFailed && instance.pgid !== undefined) {
        const leader = readProcStat(instance.pgid);
        waiter.group = {
          description: instance.description,
          pgid: instance.pgid,
          leaderStartTime: leader?.pgid === instance.pgid ? leader.startTime : undefined,
          since: ticksSinceBoot(),
          killAt: waiter.deadline,
        };
      }
      this.#stopWaiters.set(instance, waiter);
      this.#ensureStopPoll();
      // The record now lists this group as being stopped, for a successor to finish.
      this.#host.onChanged(instance);
      this.#checkStopped(instance);
    });
    return instance.stopping;
  }

  /** Groups being stopped or swept, for the adoption record. */
  stoppingGroups(): StoppingGroup[] {
    const groups = this.sweeper.pending();
    for (const waiter of this.#stopWaiters.values()) if (waiter.group !== undefined) groups.push(waiter.group);
    return groups;
  }

  #ensureStopPoll(): void {
    this.#stopPoll ??= setInterval(() => {
      const now = Date.now();
      for (const [instance, waiter] of this.#stopWaiters) {
        if (!instance.forced && now >= waiter.deadline && this.#isRunningAnything(instance)) {
          instance.forced = true;
          this.#log(instance, `Still running after ${waiter.timeoutMs / 1000}s, sending KILL to the process group`);
          if (instance.pgid === undefined || !signalGroup(instance.pgid, 'SIGKILL')) {
            if (instance.pid !== undefined) signalPid(instance.pid, 'SIGKILL');
          }
        }
        this.#checkStopped(instance);
      }
      if (this.#stopWaiters.size === 0) {
        clearInterval(this.#stopPoll);
        this.#stopPoll = undefined;
      }
    }, STOP_POLL_MS);
  }

  #isRunningAnything(instance: Instance): boolean {
    // Until its exit event, our child may be an unreaped zombie that still holds its group
    // together; the exit event will check again. Scanning /proc for it now would cost a full
    // scan per instance per tick.
    if (instance.child !== undefined && instance.child.exitCode === null && instance.child.signalCode === null) return true;
    if (instance.isAlive()) return true;
    return instance.pgid !== undefined && groupHasLiveMembers(instance.pgid);
  }

  #checkStopped(instance: Instance): void {
    const waiter = this.#stopWaiters.get(instance);
    if (waiter === undefined || this.#isRunningAnything(instance)) return;
    this.#stopWaiters.delete(instance);
    this.escaped.report(instance, waiter.escapees);
    instance.state = 'stopped';
    instance.child = undefined;
    removePidFile(this.#pidFile(instance));
    const leftOut = this.#respawnLog.flush(instance, Date.now());
    if (leftOut !== undefined) this.#log(instance, leftOut);
    if (instance.forced) this.#log(instance, 'Stopped (forced with KILL)');
    if (this.#host.definitionOf(instance)?.schedule !== undefined) this.#host.onJobExit(instance, true);
    this.#host.onGone(instance);
    waiter.resolve();
  }
}

/** A function, not an inline test: the type checker would keep its narrowing across awaits. */
function stopRequested(instance: Instance): boolean {
  return instance.state === 'stopping' || instance.state === 'stopped';
}
