// The validated, fully resolved configuration of one application. Everything here is plain
// data: paths are absolute, defaults are applied, signal names are normalised.

export type RestartMode = 'term-start' | 'start-term' | 'usr1' | 'usr2';
export type NetworkProtocol = 'tcp' | 'udp';
/** Which exits of an instance are followed by a respawn (README.md, "When a process keeps crashing"). */
export type RestartPolicy = 'always' | 'on-failure' | 'never';
export type LogColor = 'magenta' | 'red' | 'cyan' | 'green' | 'yellow' | 'blue';

/** Colours handed out to processes in Procfile order, cycling. */
export const LOG_COLORS: readonly LogColor[] = ['magenta', 'red', 'cyan', 'green', 'yellow', 'blue'];

export const DEFAULT_STOP_TIMEOUT = 10;
export const DEFAULT_MIN_UPTIME = 5;
export const DEFAULT_MAX_BACKOFF = 60;

export interface ProcessDefinition {
  name: string;
  command: string;
  /** Cron expression from `NAME__AT__cron` or the `at` option (the option wins). */
  schedule?: string;
  color: LogColor;
  quantity: number;
  restartMode: RestartMode;
  maxRespawns: number;
  respawnWindow: number;
  /** Absolute path of this process's output log (spec 5.2). */
  logPath: string;
  /** Normalised with the SIG prefix, e.g. `SIGTERM`. */
  termSignal: NodeJS.Signals;
  allocatePortFrom?: number;
  proxyPort?: number;
  proxyAddress?: string;
  networkProtocol: NetworkProtocol;
  randomDelay: number;
  /** Per-process env: options file overlaid by local file. */
  env: Record<string, string>;
  /** Seconds between the term signal and SIGKILL of the whole group (D3). */
  stopTimeout: number;
  restart: RestartPolicy;
  /** Seconds: a death sooner than this after the start is a quick failure, backed off. */
  minUptime: number;
  /** Seconds: the longest wait between quick failures. */
  maxBackoff: number;
  /** Shell commands run when an instance crashes, and when it is given up on. */
  onCrash?: string;
  onFailure?: string;
}

export interface AppConfig {
  /** The application root exactly as given (never resolved through symlinks, D1). */
  root: string;
  procfilePath: string;
  /** True when the user named the Procfile explicitly (affects suggested commands). */
  explicitProcfile: boolean;
  optionsPath: string;
  localOptionsPath: string;
  appName: string;
  pidRoot: string;
  sockPath: string;
  supervisorPidPath: string;
  /** Supervisor log file. */
  logPath: string;
  logRoot?: string;
  user?: string;
  consoleCommand?: string;
  execPrefix?: string;
  /** Global env: options file overlaid by local file, values stringified. */
  env: Record<string, string>;
  /** Env names marked secret with `secret_env:`, masked in status. */
  secretEnv?: readonly string[];
  processes: ProcessDefinition[];
  /** Unix seconds of when this configuration was read. */
  loadedAt: number;
}

/** Where an application lives, before its files are read (spec 3.1). */
export interface AppLocation {
  root: string;
  /** Absolute Procfile path, or undefined for ROOT/Procfile. */
  procfile?: string;
}
