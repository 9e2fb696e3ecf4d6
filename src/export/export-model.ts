// The application as every export format sees it: each process type with its command resolved
// the way the supervisor runs it (through /bin/sh -c when it uses shell syntax), its
// environment, ports and schedule. Formats read this and never the raw configuration, so a
// rule such as "which PORT does instance 2 get" is decided once.
import { isAbsolute } from 'node:path';
import { DEFAULT_READY_TIMEOUT, type AppConfig, type NetworkProtocol, type ProcessDefinition, type ReadyCheck, type RestartMode, type RestartPolicy } from '../config/types.js';
import { toInvocation } from '../supervisor/command-line.js';
import { CronError, parseCron, type CronSchedule } from './cron.js';
import type { ExportWarnings } from './warnings.js';

/**
 * When a new instance may take work (`ready:`); each format has one function that turns this
 * into its probe or health check, and warns for a check it has no counterpart for. `timeout`
 * is ready_timeout in seconds.
 */
export type Readiness = { kind: 'none' } | (ReadyCheck & { timeout: number });

export interface ExportedProcess {
  name: string;
  /** The Procfile command as written. */
  command: string;
  /** Program and arguments, as the supervisor would execute them. */
  argv: [string, ...string[]];
  quantity: number;
  /** Per-process env (global env is on the model). */
  env: Record<string, string>;
  restartMode: RestartMode;
  /** `restart:`: which exits are followed by a new start. */
  restart: RestartPolicy;
  maxRespawns: number;
  respawnWindow: number;
  termSignal: NodeJS.Signals;
  stopTimeout: number;
  /** The port the instances listen on when each runs in its own network (containers). */
  listenPort?: number;
  /** Only when allocate_port_from gives each instance its own port (see instancePort). */
  allocatePortFrom?: number;
  proxy?: { port: number; address: string };
  protocol: NetworkProtocol;
  /** Absent for a schedule that could not be read; a warning says so. */
  schedule?: CronSchedule;
  scheduled: boolean;
  randomDelay: number;
  readiness: Readiness;
  /** Processes this one starts after (`depends_on:`). */
  dependsOn: readonly string[];
  /** `max_memory:` in bytes. */
  maxMemory?: number;
}

export interface ExportModel {
  appName: string;
  /** The application root as given, never resolved through symlinks. */
  root: string;
  user?: string;
  env: Record<string, string>;
  /** `--env-file`: the path as the user gave it (relative to the root) and its absolute form. */
  envFile?: EnvFileRef;
  processes: ExportedProcess[];
}

export interface EnvFileRef {
  given: string;
  absolute: string;
  /** Its variables as read at export time (absent when it does not exist here). */
  keys?: readonly string[];
}

export interface ModelOptions {
  envFile?: EnvFileRef;
}

export function buildExportModel(app: AppConfig, options: ModelOptions, warnings: ExportWarnings): ExportModel {
  if (app.consoleCommand !== undefined) {
    warnings.add('console_command', 'only `procodile console` uses it; nothing was exported for it (use the engine\'s own exec command)');
  }
  if (app.execPrefix !== undefined) {
    warnings.add('exec_prefix', 'only `procodile exec/run/console` use it; the exported processes run their Procfile commands without it');
  }
  if (app.releaseCommand !== undefined) {
    warnings.add('release_command', 'no engine here runs a release phase before its processes; run it yourself (or as a deploy step) before each rollout');
  }
  for (const [key, field] of [['on_crash', 'onCrash'], ['on_failure', 'onFailure']] as const) {
    const hooked = app.processes.filter((definition) => definition[field] !== undefined);
    const message = 'the engines run no hooks when a process crashes or is given up on; alert on their restart events instead (nothing was exported for it)';
    // A top-level hook applies to every process: one warning names it once.
    if (hooked.length > 0 && hooked.length === app.processes.length) warnings.add(key, message);
    else for (const definition of hooked) warnings.addForProcess(definition.name, key, message);
  }
  return {
    appName: app.appName,
    root: app.root,
    user: app.user,
    env: app.env,
    envFile: options.envFile,
    processes: app.processes.map((definition) => exportedProcess(app, definition, warnings)),
  };
}

function exportedProcess(app: AppConfig, definition: ProcessDefinition, warnings: ExportWarnings): ExportedProcess {
  const invocation = toInvocation(definition.command);
  const program = invocation.file;
  return {
    name: definition.name,
    command: definition.command,
    argv: [program, ...invocation.args],
    quantity: definition.quantity,
    env: definition.env,
    restartMode: definition.restartMode,
    restart: definition.restart,
    maxRespawns: definition.maxRespawns,
    respawnWindow: definition.respawnWindow,
    termSignal: definition.termSignal,
    stopTimeout: definition.stopTimeout,
    listenPort: definition.allocatePortFrom ?? definition.proxyPort,
    allocatePortFrom: definition.restartMode === 'start-term' ? undefined : definition.allocatePortFrom,
    proxy:
      definition.proxyPort === undefined
        ? undefined
        : { port: definition.proxyPort, address: definition.proxyAddress ?? '127.0.0.1' },
    protocol: definition.networkProtocol,
    schedule: definition.schedule === undefined ? undefined : readSchedule(definition, warnings),
    scheduled: definition.schedule !== undefined,
    randomDelay: definition.randomDelay,
    readiness: definition.ready === undefined ? { kind: 'none' } : { ...definition.ready, timeout: definition.readyTimeout ?? DEFAULT_READY_TIMEOUT },
    dependsOn: definition.dependsOn ?? [],
    maxMemory: definition.maxMemory,
  };
}

function readSchedule(definition: ProcessDefinition, warnings: ExportWarnings): CronSchedule | undefined {
  try {
    return parseCron(definition.schedule ?? '');
  } catch (error) {
    if (!(error instanceof CronError)) throw error;
    warnings.addForProcess(definition.name, 'at', `${error.message}; the scheduled process was not exported`);
    return undefined;
  }
}

/**
 * The PORT of instance `index` (1-based) when instances share one host, as the supervisor
 * hands them out: allocate_port_from counts up from its start; a proxied type with one
 * instance listens on the proxy port itself, there being no proxy in front of it.
 */
export function instancePort(process: ExportedProcess, index: number): number | undefined {
  if (process.allocatePortFrom !== undefined) return process.allocatePortFrom + index - 1;
  if (process.proxy !== undefined && process.quantity === 1) return process.proxy.port;
  return undefined;
}

/** A relative program path (`./bin/web`) is relative to the root; engines want it absolute. */
export function programFromRoot(root: string, program: string): string {
  return program.includes('/') && !isAbsolute(program) ? `${root.replace(/\/+$/, '')}/${program.replace(/^\.\//, '')}` : program;
}

/** What every instance gets from procodile besides the user's env (no PID_FILE: no pid files). */
export function managedEnv(model: ExportModel, procName: string, withRoot: boolean): Record<string, string> {
  return withRoot ? { PROC_NAME: procName, APP_ROOT: model.root } : { PROC_NAME: procName };
}

/** The respawn limit procodile applies when the options set none. */
export const DEFAULT_MAX_RESPAWNS = 5;
export const DEFAULT_RESPAWN_WINDOW = 3600;

/** Whether the options changed the respawn limit (engines without one warn only then). */
export function hasCustomRespawnLimit(process: ExportedProcess): boolean {
  return process.maxRespawns !== DEFAULT_MAX_RESPAWNS || process.respawnWindow !== DEFAULT_RESPAWN_WINDOW;
}

/** One file of an export: a path relative to the output directory, and its text. */
export interface ExportFile {
  path: string;
  content: string;
}

export interface ExportResult {
  files: ExportFile[];
  /** Next steps for the user (not problems): printed on stderr after the files. */
  notes: string[];
}

/** Every generated file says so; the writer only replaces files that carry this. */
export const GENERATED_MARKER = 'Generated by procodile export';
