// Reads an application's Procfile and option files into one validated AppConfig (as in Procodile).
// It only reads files: creating the pid and log directories is the caller's job.
import { fail, ok, type Result } from '../errors.js';
import { suggest } from './options-issues.js';
import { readOptionsFile, mergeOptions, type AppOptions, type OptionsFile, type ProcessOptions } from './options.js';
import { dependencyProblem } from './dependencies.js';
import { expandPath, isFile } from './paths.js';
import { machineProcessLimit, type ProcessLimit } from './process-limit.js';
import { readProcfile, type ProcfileEntry } from './procfile.js';
import { DEFAULT_LOG_ROTATION, DEFAULT_MAX_BACKOFF, DEFAULT_MIN_UPTIME, DEFAULT_STOP_TIMEOUT, LOG_COLORS, type AppConfig, type AppLocation, type ProcessDefinition } from './types.js';

export const DEFAULT_APP_NAME = 'Procodile';
const PROCESS_DEFAULTS = {
  quantity: 1,
  restartMode: 'term-start',
  maxRespawns: 5,
  respawnWindow: 3600,
  termSignal: 'SIGTERM',
  networkProtocol: 'tcp',
  randomDelay: 0,
  proxyAddress: '127.0.0.1',
} as const;

export interface LoadConfigOptions {
  /** Used only to make a relative root absolute; the CLI passes absolute roots. */
  cwd?: string;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** The machine's process limit; injectable for tests. */
  processLimit?: () => ProcessLimit | undefined;
}

export function loadConfig(location: AppLocation, options: LoadConfigOptions = {}): Result<AppConfig> {
  const givenRoot = expandPath(location.root, options.cwd ?? process.cwd());
  const explicitProcfile = location.procfile !== undefined;
  const firstProcfile =
    location.procfile === undefined ? `${givenRoot}/Procfile` : expandPath(location.procfile, givenRoot);
  if (!isFile(firstProcfile)) return procfileNotFound(firstProcfile);

  // The option files sit next to the Procfile that was found, even when they move the root.
  const optionsPath = `${firstProcfile}.options`;
  const localOptionsPath = `${firstProcfile}.local`;
  const optionsFile = readOptionsFile(optionsPath);
  if (!optionsFile.ok) return optionsFile;
  const localFile = readOptionsFile(localOptionsPath);
  if (!localFile.ok) return localFile;
  const merged = mergeOptions(optionsFile.value.options, localFile.value.options);

  const root = merged.root === undefined ? givenRoot : expandPath(merged.root, givenRoot);
  const procfilePath = explicitProcfile ? firstProcfile : `${root}/Procfile`;
  if (procfilePath !== firstProcfile && !isFile(procfilePath)) {
    const movedBy = localFile.value.options.root === undefined ? optionsFile.value : localFile.value;
    return procfileNotFound(procfilePath, movedBy);
  }

  const entries = readProcfile(procfilePath);
  if (!entries.ok) return entries;
  for (const file of [optionsFile.value, localFile.value]) {
    const unknown = findUnknownProcess(file, entries.value, procfilePath);
    if (unknown) return unknown;
  }

  const tooMany = checkTotalQuantity(entries.value, merged, [optionsFile.value, localFile.value], options.processLimit);
  if (tooMany) return tooMany;

  const files = supervisorFiles(root, merged);
  const { logRoot } = files;
  const now = options.now ?? Date.now;

  const processes = entries.value.map((entry, index) => buildProcess(entry, index, merged, root, logRoot));
  const dependencies = dependencyProblem(processes, optionsPath);
  if (dependencies !== undefined) return fail('CONFIG_INVALID', dependencies);

  return ok({
    root,
    procfilePath,
    explicitProcfile,
    optionsPath,
    localOptionsPath,
    appName: merged.appName ?? DEFAULT_APP_NAME,
    ...files,
    ...(merged.user === undefined ? {} : { user: merged.user }),
    ...(merged.consoleCommand === undefined ? {} : { consoleCommand: merged.consoleCommand }),
    ...(merged.execPrefix === undefined ? {} : { execPrefix: merged.execPrefix }),
    env: merged.env,
    ...(merged.secretEnv === undefined ? {} : { secretEnv: merged.secretEnv }),
    logRotation: {
      maxSize: merged.logMaxSize ?? DEFAULT_LOG_ROTATION.maxSize,
      keep: merged.logKeep ?? DEFAULT_LOG_ROTATION.keep,
      compress: merged.logCompress ?? DEFAULT_LOG_ROTATION.compress,
    },
    processes,
    ...(merged.releaseCommand === undefined ? {} : { releaseCommand: merged.releaseCommand }),
    ...(merged.proxy === undefined ? {} : { proxy: merged.proxy }),
    ...(merged.metricsAddress === undefined ? {} : { metricsAddress: merged.metricsAddress }),
    loadedAt: Math.floor(now() / 1000),
  });
}

export type SupervisorFiles = Pick<AppConfig, 'pidRoot' | 'sockPath' | 'supervisorPidPath' | 'logPath' | 'logRoot'>;

/** Where the supervisor's own files are (as in Procodile), from the options that place them. */
export function supervisorFiles(
  root: string,
  options: { pidRoot?: string | undefined; logRoot?: string | undefined; logPath?: string | undefined },
): SupervisorFiles {
  const pidRoot = expandPath(options.pidRoot ?? 'pids', root);
  const logRoot = options.logRoot === undefined ? undefined : expandPath(options.logRoot, root);
  return {
    pidRoot,
    sockPath: `${pidRoot}/procodile.sock`,
    supervisorPidPath: `${pidRoot}/procodile.pid`,
    logPath: options.logPath === undefined ? `${logRoot ?? root}/procodile.log` : expandPath(options.logPath, root),
    ...(logRoot === undefined ? {} : { logRoot }),
  };
}

function buildProcess(
  entry: ProcfileEntry,
  index: number,
  merged: AppOptions,
  root: string,
  logRoot: string | undefined,
): ProcessDefinition {
  const options: ProcessOptions = merged.processes[entry.name] ?? { env: {} };
  // The `at` option wins over a schedule written in the Procfile key (as in Procodile).
  const schedule = options.at ?? entry.schedule;
  const logPath =
    options.logPath !== undefined
      ? expandPath(options.logPath, root)
      : `${logRoot ?? root}/${options.logFileName ?? `${entry.name}.log`}`;
  return {
    name: entry.name,
    command: entry.command,
    ...(schedule === undefined ? {} : { schedule }),
    color: LOG_COLORS[index % LOG_COLORS.length] ?? 'magenta',
    quantity: options.quantity ?? PROCESS_DEFAULTS.quantity,
    restartMode: options.restartMode ?? PROCESS_DEFAULTS.restartMode,
    maxRespawns: options.maxRespawns ?? PROCESS_DEFAULTS.maxRespawns,
    respawnWindow: options.respawnWindow ?? PROCESS_DEFAULTS.respawnWindow,
    logPath,
    termSignal: options.termSignal ?? PROCESS_DEFAULTS.termSignal,
    ...(options.allocatePortFrom === undefined ? {} : { allocatePortFrom: options.allocatePortFrom }),
    ...(options.proxyPort === undefined
      ? {}
      : { proxyPort: options.proxyPort, proxyAddress: options.proxyAddress ?? PROCESS_DEFAULTS.proxyAddress }),
    networkProtocol: options.networkProtocol ?? PROCESS_DEFAULTS.networkProtocol,
    randomDelay: options.randomDelay ?? PROCESS_DEFAULTS.randomDelay,
    env: options.env,
    stopTimeout: options.stopTimeout ?? merged.stopTimeout ?? DEFAULT_STOP_TIMEOUT,
    logRotation: {
      maxSize: options.logMaxSize ?? merged.logMaxSize ?? DEFAULT_LOG_ROTATION.maxSize,
      keep: options.logKeep ?? merged.logKeep ?? DEFAULT_LOG_ROTATION.keep,
      compress: options.logCompress ?? merged.logCompress ?? DEFAULT_LOG_ROTATION.compress,
    },
    logPerInstance: options.logPerInstance ?? false,
    ...(options.ready === undefined ? {} : { ready: options.ready }),
    ...(options.readyTimeout === undefined ? {} : { readyTimeout: options.readyTimeout }),
    ...(options.maxSurge === undefined ? {} : { maxSurge: options.maxSurge }),
    ...(options.drainTimeout === undefined ? {} : { drainTimeout: options.drainTimeout }),
    ...(options.dependsOn === undefined ? {} : { dependsOn: options.dependsOn }),
    ...(options.restartOnDeploy === undefined ? {} : { restartOnDeploy: options.restartOnDeploy }),
    ...(options.maxMemory === undefined ? {} : { maxMemory: options.maxMemory }),
    restart: options.restart ?? 'always',
    minUptime: options.minUptime ?? DEFAULT_MIN_UPTIME,
    maxBackoff: options.maxBackoff ?? DEFAULT_MAX_BACKOFF,
    ...hooks(options.onCrash ?? merged.onCrash, options.onFailure ?? merged.onFailure),
  };
}

/** A process's own hook wins over the top-level one. */
function hooks(onCrash: string | undefined, onFailure: string | undefined): Pick<ProcessDefinition, 'onCrash' | 'onFailure'> {
  return { ...(onCrash === undefined ? {} : { onCrash }), ...(onFailure === undefined ? {} : { onFailure }) };
}

/**
 * Every instance is at least one process, and most start children of their own: half the
 * machine's limit leaves room for those and for everything else running there.
 */
function checkTotalQuantity(
  entries: ProcfileEntry[],
  merged: AppOptions,
  files: OptionsFile[],
  limit: (() => ProcessLimit | undefined) = machineProcessLimit,
): Result<never> | undefined {
  const total = entries
    .filter((entry) => entry.schedule === undefined && merged.processes[entry.name]?.at === undefined)
    .reduce((sum, entry) => sum + (merged.processes[entry.name]?.quantity ?? PROCESS_DEFAULTS.quantity), 0);
  const found = limit();
  if (found === undefined || total <= Math.floor(found.max / 2)) return undefined;
  return fail(
    'CONFIG_INVALID',
    `The processes of ${files.map((file) => file.path).join(' and ')} add up to ${total} instances, more than ` +
      `half of what this machine allows (${found.source}). Lower the quantities, or raise the limit.`,
  );
}

function findUnknownProcess(
  file: OptionsFile,
  entries: ProcfileEntry[],
  procfilePath: string,
): Result<never> | undefined {
  const names = new Set(entries.map((entry) => entry.name));
  for (const [name, line] of Object.entries(file.processLines)) {
    if (names.has(name)) continue;
    const where = line === undefined ? '' : ` (line ${line})`;
    const close = suggest(name, [...names]);
    return fail(
      'UNKNOWN_PROCESS',
      `Unknown process '${name}' in ${file.path}. ` +
        `processes.${name}${where} names no entry of ${procfilePath}; ` +
        (close === undefined ? 'add it to the Procfile or remove its options.' : `did you mean '${close}'?`),
    );
  }
  return undefined;
}

function procfileNotFound(path: string, movedBy?: OptionsFile): Result<never> {
  const why = movedBy ? ` (the root was changed by the 'root' option in ${movedBy.path})` : '';
  return fail('PROCFILE_NOT_FOUND', `Procfile not found at ${path}${why}.`);
}
