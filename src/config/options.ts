// The Procfile.options / Procfile.local schema: validation with FILE:LINE messages, and the
// key-by-key merge in which the local file wins (Procodile 4.2, 4.3).
//
// Decision (D12 over Procodile 4.2): an unknown top-level or per-process key is an error, with a
// "did you mean" suggestion when it is close to a known key, because a silently ignored typo
// (`quantiy: 3`) is worse than a refused start. Keys Procodile 2 itself accepts but does not
// use (`procfile`, `app_id`) stay valid so existing files keep loading. Keys under `env` are free.
import { existsSync, statSync } from 'node:fs';
import * as v from 'valibot';
import { fail, ok, type Result } from '../errors.js';
import type { NetworkProtocol, ReadyCheck, RestartMode, RestartPolicy } from './types.js';
import { checkStructure, formatIssue, toValuePath, type OptionsIssue } from './options-issues.js';
import { normaliseSignal } from './signals.js';
import { parseMemorySize } from './memory-size.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
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

const RESTART_MODES: readonly RestartMode[] = ['term-start', 'start-term', 'usr1', 'usr2'];
const NETWORK_PROTOCOLS: readonly NetworkProtocol[] = ['tcp', 'udp'];
const RESTART_POLICIES: readonly RestartPolicy[] = ['always', 'on-failure', 'never'];
/**
 * Instances of one process. Far above any real use, and low enough that a typo (`1e9`) cannot
 * fork the machine to death; the total over all processes is checked against the machine's
 * process limit when the configuration is loaded (load-config.ts).
 */
export const MAX_QUANTITY = 1000;

// Messages are templates: {path} is the dotted key, {got} the offending value as YAML shows it,
// {raw} the same value unquoted. See options-issues.ts.
const expected = (what: string): string => `{path} must be ${what}, got {got}`;

const text = (what = 'a string') => v.string(expected(what));
const path = () => v.pipe(v.string(expected('a path')), v.nonEmpty(expected('a non-empty path')));
const wholeNumber = (min: number) => {
  const message = expected(`a whole number >= ${min}`);
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message));
};
const port = () => {
  const message = expected('a port number from 1 to 65535');
  return v.pipe(v.number(message), v.integer(message), v.minValue(1, message), v.maxValue(65535, message));
};
const wholeNumberUpTo = (min: number, max: number) => {
  const message = expected(`a whole number from ${min} to ${max}`);
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
};
/** A text that passes `problem` (which says why not, or returns undefined). */
const checkedText = (what: string, problem: (value: string) => string | undefined, advice = '') =>
  v.pipe(
    text(what),
    v.check(
      (value) => problem(value) === undefined,
      (issue) => `{path} {got} ${problem(String(issue.input)) ?? 'is invalid'}${advice}`,
    ),
  );
const seconds = () => {
  const message = expected('a number of seconds greater than 0');
  return v.pipe(v.number(message), v.finite(message), v.gtValue(0, message));
};
const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
/** Below this, a log would rotate every few lines. */
export const MIN_LOG_SIZE = 1024;
/** A size such as 50M, 1G, 512K or a number of bytes, as a number of bytes. */
export function parseSize(value: string | number): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*$/i.exec(String(value));
  if (match === null) return undefined;
  const bytes = Math.floor(Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toUpperCase()] ?? 1));
  return Number.isSafeInteger(bytes) && bytes >= MIN_LOG_SIZE ? bytes : undefined;
}
const size = () => {
  const message = expected(`a size of at least ${MIN_LOG_SIZE} bytes such as 50M, 1G, 512K or a number of bytes`);
  return v.pipe(
    v.union([v.string(), v.number()], message),
    v.check((value) => parseSize(value) !== undefined, message),
    v.transform((value) => parseSize(value) ?? MIN_LOG_SIZE),
  );
};
/** More rotated files than this is a mistake for a bigger log_max_size. */
export const MAX_LOG_KEEP = 1000;
const keepCount = () => {
  const message = expected(`a whole number from 0 to ${MAX_LOG_KEEP}`);
  return v.pipe(v.number(message), v.integer(message), v.minValue(0, message), v.maxValue(MAX_LOG_KEEP, message));
};
const flag = () => v.boolean(expected('true or false'));
const memorySize = () => {
  const message = expected('a memory size such as 512M or 2G');
  return v.pipe(
    v.union([v.string(message), v.number(message)], message),
    v.check((value) => parseMemorySize(value) !== undefined, message),
    v.transform((value) => parseMemorySize(value) ?? 0),
  );
};
const listenAddress = () => {
  const message = expected('an address to listen on such as 127.0.0.1:9100 (or a port: loopback only)');
  return v.pipe(
    v.union([v.string(message), v.number(message)], message),
    v.check((value) => parseListenAddress(value) !== undefined, message),
    v.transform((value) => parseListenAddress(value) ?? { host: '127.0.0.1', port: 0 }),
  );
};
const envMap = () =>
  v.pipe(
    v.record(
      v.string(),
      v.nullable(v.union([v.string(), v.number(), v.boolean()], expected('a string, number or boolean'))),
      expected('a mapping of NAME: value'),
    ),
    v.transform((env) =>
      Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)])),
    ),
  );
const restartMode = () => {
  const message = expected(`one of ${RESTART_MODES.join(', ')}`);
  return v.pipe(
    v.string(message),
    v.check((mode) => RESTART_MODES.some((known) => known === mode.toLowerCase()), message),
    v.transform((mode) => mode.toLowerCase() as RestartMode),
  );
};
const signal = () => {
  const message = expected('a signal name such as TERM, INT or SIGQUIT');
  return v.pipe(
    v.string(message),
    v.check((name) => normaliseSignal(name) !== undefined, message),
    v.transform((name): NodeJS.Signals => normaliseSignal(name) ?? 'SIGTERM'),
  );
};
const restartPolicy = () => {
  const message = expected(`one of ${RESTART_POLICIES.join(', ')}`);
  return v.pipe(
    v.string(message),
    v.check((policy) => RESTART_POLICIES.some((known) => known === policy), message),
    v.transform((policy) => policy as RestartPolicy),
  );
};
const hook = () => v.pipe(text('a shell command'), v.nonEmpty(expected('a non-empty shell command')));
const secondsFrom0 = () => {
  const message = expected('a number of seconds, 0 or more');
  return v.pipe(v.number(message), v.finite(message), v.minValue(0, message));
};
const networkProtocol = () => {
  const message = "Invalid network_protocol '{raw}' at {path}: use tcp or udp";
  return v.pipe(
    v.string(message),
    v.check((protocol) => NETWORK_PROTOCOLS.some((known) => known === protocol.toLowerCase()), message),
    v.transform((protocol) => protocol.toLowerCase() as NetworkProtocol),
  );
};

const readyCheck = () => {
  const message = expected('tcp, or one of http: /PATH, command: CMD, log: REGEX');
  const nonEmpty = (what: string) => v.pipe(v.string(expected(what)), v.nonEmpty(expected(what)));
  return v.union(
    [
      v.pipe(v.picklist(['tcp'], message), v.transform((): ReadyCheck => ({ kind: 'tcp' }))),
      v.pipe(
        v.strictObject({ http: v.pipe(nonEmpty('a path starting with /'), v.startsWith('/', expected('a path starting with /'))) }, message),
        v.transform((o): ReadyCheck => ({ kind: 'http', path: o.http })),
      ),
      v.pipe(v.strictObject({ command: nonEmpty('a command') }, message), v.transform((o): ReadyCheck => ({ kind: 'command', command: o.command }))),
      v.pipe(
        v.strictObject({ log: v.pipe(nonEmpty('a regular expression'), v.check((p) => validRegex(p), expected('a valid regular expression'))) }, message),
        v.transform((o): ReadyCheck => ({ kind: 'log', pattern: o.log })),
      ),
    ],
    message,
  );
};

function validRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
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
