// The Procfile.options / Procfile.local schema: validation with FILE:LINE messages, and the
// key-by-key merge in which the local file wins (as in Procodile).
//
// Decision (D12 over Procodile): an unknown top-level or per-process key is an error, with a
// "did you mean" suggestion when it is close to a known key, because a silently ignored typo
// (`quantiy: 3`) is worse than a refused start. Keys Procodile 2 itself accepts but does not
// use (`procfile`, `app_id`) stay valid so existing files keep loading. Keys under `env` are free.
//
// Past 300 lines because each key's check and its place in the merge are read together; the
// value schemas themselves live in option-schemas.ts.
import { existsSync, statSync } from 'node:fs';
import * as v from 'valibot';
import { fail, ok, type Result } from '../errors.js';
import {
  MAX_QUANTITY,
  expected,
  text,
  path,
  wholeNumber,
  port,
  wholeNumberUpTo,
  checkedText,
  seconds,
  size,
  keepCount,
  flag,
  memorySize,
  listenAddress,
  envMap,
  restartMode,
  signal,
  restartPolicy,
  hook,
  secondsFrom0,
  networkProtocol,
  readyCheck,
} from './option-schemas.js';
import type { NetworkProtocol, ReadyCheck, RestartMode, RestartPolicy } from './types.js';
import { checkStructure, formatIssue, toValuePath, type OptionsIssue } from './options-issues.js';
import type { ListenAddress } from './listen-address.js';
import { CRON_HINT, cronScheduleProblem } from './cron-schedule.js';
import { appNameProblem, processNameProblem } from './process-name.js';
import { keyLines, lineOf, parseYaml, readYamlFile, type YamlFile } from './yaml-file.js';

export interface ProcessOptions {
  quantity?: number;
  restartMode?: RestartMode;
  maxRespawns?: number;
  respawnWindow?: number;
  logPath?: string;
  logFileName?: string;
  termSignal?: NodeJS.Signals;
  allocatePortFrom?: number;
  proxyPort?: number;
  proxyAddress?: string;
  networkProtocol?: NetworkProtocol;
  at?: string;
  randomDelay?: number;
  stopTimeout?: number;
  logMaxSize?: number;
  logKeep?: number;
  logCompress?: boolean;
  logPerInstance?: boolean;
  ready?: ReadyCheck;
  readyTimeout?: number;
  maxSurge?: number;
  drainTimeout?: number;
  dependsOn?: string[];
  restartOnDeploy?: boolean;
  /** Bytes. */
  maxMemory?: number;
  restart?: RestartPolicy;
  minUptime?: number;
  maxBackoff?: number;
  onCrash?: string;
  onFailure?: string;
  env: Record<string, string>;
}

export interface AppOptions {
  appName?: string;
  root?: string;
  procfile?: string;
  pidRoot?: string;
  logPath?: string;
  logRoot?: string;
  user?: string;
  consoleCommand?: string;
  execPrefix?: string;
  stopTimeout?: number;
  logMaxSize?: number;
  logKeep?: number;
  logCompress?: boolean;
  onCrash?: string;
  onFailure?: string;
  env: Record<string, string>;
  /** More env names whose values status masks (README: control socket). */
  secretEnv?: string[];
  releaseCommand?: string;
  proxy?: boolean;
  metricsAddress?: ListenAddress;
  processes: Record<string, ProcessOptions>;
}

export interface OptionsFile {
  path: string;
  options: AppOptions;
  /** Line of each `processes.NAME` key, for "Unknown process" messages. */
  processLines: Record<string, number | undefined>;
}

const PROCESS_ENTRIES = {
  quantity: v.nullish(wholeNumberUpTo(0, MAX_QUANTITY)),
  restart_mode: v.nullish(restartMode()),
  max_respawns: v.nullish(wholeNumber(0)),
  respawn_window: v.nullish(wholeNumber(0)),
  log_path: v.nullish(path()),
  log_file_name: v.nullish(v.pipe(text('a file name'), v.nonEmpty(expected('a non-empty file name')))),
  term_signal: v.nullish(signal()),
  allocate_port_from: v.nullish(port()),
  proxy_port: v.nullish(port()),
  proxy_address: v.nullish(v.pipe(text('an address'), v.nonEmpty(expected('a non-empty address')))),
  network_protocol: v.nullish(networkProtocol()),
  at: v.nullish(
    checkedText('a cron schedule string', (value) => {
      const problem = cronScheduleProblem(value);
      return problem === undefined ? undefined : `is not a valid cron schedule: ${problem}`;
    }, `. ${CRON_HINT}.`),
  ),
  random_delay: v.nullish(wholeNumber(0)),
  stop_timeout: v.nullish(seconds()),
  log_max_size: v.nullish(size()),
  log_keep: v.nullish(keepCount()),
  log_compress: v.nullish(flag()),
  log_per_instance: v.nullish(flag()),
  ready: v.nullish(readyCheck()),
  ready_timeout: v.nullish(seconds()),
  max_surge: v.nullish(wholeNumberUpTo(1, MAX_QUANTITY)),
  drain_timeout: v.nullish(v.pipe(v.number(expected('a number of seconds')), v.finite(expected('a number of seconds')), v.minValue(0, expected('a number of seconds >= 0')))),
  depends_on: v.nullish(v.array(v.pipe(text('a process name'), v.nonEmpty(expected('a process name'))), expected('a list of process names'))),
  restart_on_deploy: v.nullish(v.boolean(expected('true or false'))),
  max_memory: v.nullish(memorySize()),
  restart: v.nullish(restartPolicy()),
  min_uptime: v.nullish(secondsFrom0()),
  max_backoff: v.nullish(seconds()),
  on_crash: v.nullish(hook()),
  on_failure: v.nullish(hook()),
  env: v.nullish(envMap()),
};

const TOP_ENTRIES = {
  app_name: v.nullish(checkedText('a string', appNameProblem)),
  root: v.nullish(path()),
  procfile: v.nullish(path()),
  app_id: v.nullish(v.unknown()),
  pid_root: v.nullish(path()),
  log_path: v.nullish(path()),
  log_root: v.nullish(path()),
  user: v.nullish(text('a user name')),
  console_command: v.nullish(text()),
  exec_prefix: v.nullish(text()),
  stop_timeout: v.nullish(seconds()),
  log_max_size: v.nullish(size()),
  log_keep: v.nullish(keepCount()),
  log_compress: v.nullish(flag()),
  on_crash: v.nullish(hook()),
  on_failure: v.nullish(hook()),
  env: v.nullish(envMap()),
  release_command: v.nullish(v.pipe(text('a command'), v.nonEmpty(expected('a non-empty command')))),
  proxy: v.nullish(v.boolean(expected('true or false'))),
  metrics_address: v.nullish(listenAddress()),
  secret_env: v.nullish(v.array(v.pipe(text('an environment variable name'), v.nonEmpty(expected('a non-empty name'))), expected('a list of environment variable names'))),
  processes: v.nullish(
    v.record(
      v.pipe(
        v.string(),
        v.check(
          (name) => processNameProblem(name) === undefined,
          (issue) => `the process name {got} under processes ${processNameProblem(String(issue.input)) ?? ''}. Rename it.`,
        ),
      ),
      v.nullish(v.object(PROCESS_ENTRIES, expected('a mapping of option: value'))),
      expected('a mapping of process names to their options'),
    ),
  ),
};

const OPTIONS_SCHEMA = v.object(TOP_ENTRIES, expected('a mapping of option: value'));

export const TOP_LEVEL_KEYS: readonly string[] = Object.keys(TOP_ENTRIES);
export const PROCESS_KEYS: readonly string[] = Object.keys(PROCESS_ENTRIES);

export function emptyOptions(): AppOptions {
  return { env: {}, processes: {} };
}

/** Reads an options file; a file that does not exist is the same as an empty one. */
export function readOptionsFile(file: string): Result<OptionsFile> {
  if (!existsSync(file)) return ok({ path: file, options: emptyOptions(), processLines: {} });
  if (!statSync(file).isFile()) {
    return fail('CONFIG_INVALID', `${file} is not a file. Remove it or make it a YAML file.`);
  }
  const yaml = readYamlFile(file, { schema: 'core' });
  return yaml.ok ? validateOptions(yaml.value) : yaml;
}

export function parseOptions(source: string, file: string): Result<OptionsFile> {
  const yaml = parseYaml(source, file, { schema: 'core' });
  return yaml.ok ? validateOptions(yaml.value) : yaml;
}

function validateOptions(file: YamlFile): Result<OptionsFile> {
  if (file.value === null) return ok({ path: file.path, options: emptyOptions(), processLines: {} });
  const structure = checkStructure(file.value, TOP_LEVEL_KEYS, PROCESS_KEYS);
  // A list where a mapping belongs would only produce noise from the schema, so stop there.
  if (structure.some((issue) => issue.structural)) return invalid(file, structure);
  const parsed = v.safeParse(OPTIONS_SCHEMA, file.value, { abortPipeEarly: true });
  if (!parsed.success) {
    const issues = parsed.issues.map((issue) => ({
      path: toValuePath(issue.path),
      template: issue.message,
      input: issue.input,
    }));
    return invalid(file, [...structure, ...issues]);
  }
  if (structure.length > 0) return invalid(file, structure);
  const raw = parsed.output;
  const processes: Record<string, ProcessOptions> = {};
  const processLines: Record<string, number | undefined> = {};
  const lines = keyLines(file, ['processes']);
  for (const [name, entry] of Object.entries(raw.processes ?? {})) {
    processLines[name] = lines.get(name) ?? lineOf(file, ['processes']);
    processes[name] = {
      quantity: entry?.quantity ?? undefined,
      restartMode: entry?.restart_mode ?? undefined,
      maxRespawns: entry?.max_respawns ?? undefined,
      respawnWindow: entry?.respawn_window ?? undefined,
      logPath: entry?.log_path ?? undefined,
      logFileName: entry?.log_file_name ?? undefined,
      termSignal: entry?.term_signal ?? undefined,
      allocatePortFrom: entry?.allocate_port_from ?? undefined,
      proxyPort: entry?.proxy_port ?? undefined,
      proxyAddress: entry?.proxy_address ?? undefined,
      networkProtocol: entry?.network_protocol ?? undefined,
      at: entry?.at ?? undefined,
      randomDelay: entry?.random_delay ?? undefined,
      stopTimeout: entry?.stop_timeout ?? undefined,
      logMaxSize: entry?.log_max_size ?? undefined,
      logKeep: entry?.log_keep ?? undefined,
      logCompress: entry?.log_compress ?? undefined,
      logPerInstance: entry?.log_per_instance ?? undefined,
      ready: entry?.ready ?? undefined,
      readyTimeout: entry?.ready_timeout ?? undefined,
      maxSurge: entry?.max_surge ?? undefined,
      drainTimeout: entry?.drain_timeout ?? undefined,
      dependsOn: entry?.depends_on ?? undefined,
      restartOnDeploy: entry?.restart_on_deploy ?? undefined,
      maxMemory: entry?.max_memory ?? undefined,
      restart: entry?.restart ?? undefined,
      minUptime: entry?.min_uptime ?? undefined,
      maxBackoff: entry?.max_backoff ?? undefined,
      onCrash: entry?.on_crash ?? undefined,
      onFailure: entry?.on_failure ?? undefined,
      env: entry?.env ?? {},
    };
  }
  const options: AppOptions = {
    appName: raw.app_name ?? undefined,
    root: raw.root ?? undefined,
    procfile: raw.procfile ?? undefined,
    pidRoot: raw.pid_root ?? undefined,
    logPath: raw.log_path ?? undefined,
    logRoot: raw.log_root ?? undefined,
    user: raw.user ?? undefined,
    consoleCommand: raw.console_command ?? undefined,
    execPrefix: raw.exec_prefix ?? undefined,
    stopTimeout: raw.stop_timeout ?? undefined,
    logMaxSize: raw.log_max_size ?? undefined,
    logKeep: raw.log_keep ?? undefined,
    logCompress: raw.log_compress ?? undefined,
    onCrash: raw.on_crash ?? undefined,
    onFailure: raw.on_failure ?? undefined,
    env: raw.env ?? {},
    secretEnv: raw.secret_env ?? undefined,
    releaseCommand: raw.release_command ?? undefined,
    proxy: raw.proxy ?? undefined,
    metricsAddress: raw.metrics_address ?? undefined,
    processes,
  };
  return ok({ path: file.path, options, processLines });
}

function invalid(file: YamlFile, issues: OptionsIssue[]): Result<never> {
  const lines = issues
    .map((issue) => ({ line: lineOf(file, issue.path) ?? 0, text: formatIssue(file, issue) }))
    .sort((a, b) => a.line - b.line)
    .map((entry) => entry.text);
  return fail('CONFIG_INVALID', [...new Set(lines)].join('\n'));
}

/** Spec 4.3: every value set in `local` wins; the `env` maps are merged, local winning per key. */
export function mergeOptions(base: AppOptions, local: AppOptions): AppOptions {
  const processes: Record<string, ProcessOptions> = { ...base.processes };
  for (const [name, localProcess] of Object.entries(local.processes)) {
    const baseProcess = base.processes[name];
    processes[name] = baseProcess
      ? { ...overlay(baseProcess, localProcess), env: { ...baseProcess.env, ...localProcess.env } }
      : localProcess;
  }
  return { ...overlay(base, local), env: { ...base.env, ...local.env }, processes };
}

function overlay<T extends object>(base: T, top: T): T {
  const result: T = { ...base };
  for (const [key, value] of Object.entries(top)) {
    if (value !== undefined) (result as Record<string, unknown>)[key] = value;
  }
  return result;
}
