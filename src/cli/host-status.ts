// Every application of the global configuration and its supervisor, for `status --all` and
// `top --all`: each is asked at the same time, and one that is down, unreachable or badly
// configured is reported as such instead of stopping the others.
import { DEFAULT_GLOBAL_CONFIG, readGlobalConfig } from '../config/app-resolution.js';
import { loadConfig } from '../config/load-config.js';
import { expandPath } from '../config/paths.js';
import { runtimePaths } from '../config/runtime-paths.js';
import type { AppConfig } from '../config/types.js';
import { sendRequest } from '../control/client.js';
import type { StatusReply } from '../control/protocol.js';
import { detectSupervisor } from '../daemon/detect.js';
import { ProcodileError } from '../errors.js';

export type SupervisorState = 'running' | 'not_running' | 'unreachable';

export interface AppStatusJson {
  name: string;
  root: string;
  supervisor: SupervisorState;
  /** Why the application's files do not load; the supervisor may still run on what it loaded before. */
  config_error: string | null;
  /** Why a running supervisor did not answer. */
  error: string | null;
  status: StatusReply | null;
}

export interface HostStatusJson {
  config_path: string;
  apps: AppStatusJson[];
}

function globalConfigPath(env: NodeJS.ProcessEnv, cwd: string): string {
  const given = env.PROCODILE_CONFIG;
  return expandPath(given === undefined || given.trim() === '' ? DEFAULT_GLOBAL_CONFIG : given, cwd);
}

async function appStatus(name: string, root: string, procfile: string | undefined): Promise<AppStatusJson> {
  const location = procfile === undefined ? { root } : { root, procfile: expandPath(procfile, root) };
  const loaded = loadConfig(location);
  const config: AppConfig = loaded.ok ? loaded.value : runtimePaths(location);
  const entry: AppStatusJson = {
    name,
    root: config.root,
    supervisor: 'not_running',
    config_error: loaded.ok ? null : loaded.error.message,
    error: null,
    status: null,
  };
  try {
    if (!(await detectSupervisor(config)).running) return entry;
    entry.status = await sendRequest(config, 'status', {}, { keepControls: true });
    entry.supervisor = 'running';
  } catch (error) {
    entry.supervisor = 'unreachable';
    entry.error = (error as Error).message;
  }
  return entry;
}

/** The status of every configured application, in the order of the global configuration. */
export async function hostStatus(env: NodeJS.ProcessEnv, cwd: string): Promise<HostStatusJson> {
  const path = globalConfigPath(env, cwd);
  const entries = readGlobalConfig(path);
  if (!entries.ok) throw entries.error;
  if (entries.value.length === 0) {
    throw new ProcodileError('GLOBAL_CONFIG_INVALID', `No applications are configured in ${path}. List them there (or in PROCODILE_CONFIG) to use --all.`);
  }
  const apps = await Promise.all(
    entries.value.map((e) => appStatus(e.name ?? e.root, expandPath(e.root, cwd), e.procfile)),
  );
  return { config_path: path, apps };
}
