// The validated, fully resolved configuration of one application. Everything here is plain
// data: paths are absolute, defaults are applied, signal names are normalised.
import type { ListenAddress } from './listen-address.js';

export type RestartMode = 'term-start' | 'start-term' | 'usr1' | 'usr2';
export type NetworkProtocol = 'tcp' | 'udp';
/** Which exits of an instance are followed by a respawn (README.md, "When a process keeps crashing"). */
export type RestartPolicy = 'always' | 'on-failure' | 'never';
export type LogColor = 'magenta' | 'red' | 'cyan' | 'green' | 'yellow' | 'blue';

/** Colours handed out to processes in Procfile order, cycling. */
export const LOG_COLORS: readonly LogColor[] = ['magenta', 'red', 'cyan', 'green', 'yellow', 'blue'];

export const DEFAULT_STOP_TIMEOUT = 10;
export const DEFAULT_READY_TIMEOUT = 60;

/** When a new instance may take work (README: "Zero-downtime deploys"). */
export type ReadyCheck =
  | { kind: 'tcp' }
  | { kind: 'http'; path: string }
  | { kind: 'command'; command: string }
  | { kind: 'notify' }
  | { kind: 'log'; pattern: string };

/** When a log file is rotated and how many rotated files stay (README.md, "Logs"). */
export interface LogRotation {
  /** Bytes a log may reach before it is rotated. */
  maxSize: number;
  /** Rotated files kept (LOG.1 .. LOG.N); 0 means never rotate. */
  keep: number;
  /** Gzip rotated files (LOG.1.gz ...). */
  compress: boolean;
}

export const DEFAULT_LOG_ROTATION: LogRotation = { maxSize: 50 * 1024 * 1024, keep: 5, compress: false };
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
  /** Absolute path of this process's output log (as in Procodile). */
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
  /** Absent means DEFAULT_LOG_ROTATION. */
  logRotation?: LogRotation;
  /** Each instance writes its own log: `web.log` becomes `web.1.log`, `web.2.log`, ... */
  logPerInstance?: boolean;
  /** Without it an instance is ready as soon as it is spawned. */
  ready?: ReadyCheck;
  /** Seconds a new instance has to pass its ready check. */
  readyTimeout?: number;
  /** New instances a rolling restart brings up at once (default 1). */
  maxSurge?: number;
  /** Seconds a leaving instance's proxied connections may finish before its term signal (default stopTimeout). */
  drainTimeout?: number;
  /** Processes that must be ready before this one starts, and that stop after it. */
  dependsOn?: readonly string[];
  /** False: a bare `restart` leaves it alone; `restart -p NAME` still restarts it. */
  restartOnDeploy?: boolean;
  /** Bytes: an instance whose group stays above this is replaced (README.md, "Seeing what runs"). */
  maxMemory?: number;
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
  /** Rotation of the supervisor log (absent means DEFAULT_LOG_ROTATION). */
  logRotation?: LogRotation;
  logRoot?: string;
  user?: string;
  consoleCommand?: string;
  execPrefix?: string;
  /** Global env: options file overlaid by local file, values stringified. */
  env: Record<string, string>;
  /** Env names marked secret with `secret_env:`, masked in status. */
  secretEnv?: readonly string[];
  /** Where the supervisor serves Prometheus metrics; off when absent (README.md, "Seeing what runs"). */
  metricsAddress?: ListenAddress;
  processes: ProcessDefinition[];
  /** Runs once before `start` starts anything and before `restart` touches anything. */
  releaseCommand?: string;
  /** `proxy: true`: the proxy runs without `start --proxy`. */
  proxy?: boolean;
  /** Unix seconds of when this configuration was read. */
  loadedAt: number;
}

/** Where an application lives, before its files are read (as in Procodile). */
export interface AppLocation {
  root: string;
  /** Absolute Procfile path, or undefined for ROOT/Procfile. */
  procfile?: string;
}
