// The environment an instance sees, lowest precedence first (as in Procodile): the supervisor's own
// (minus launcher noise, D9), global env, the env file, the process env, then ours.
import type { AppConfig, ProcessDefinition } from '../config/types.js';
import { stripLauncherVariables } from '../proc/env-hygiene.js';

export interface ManagedVariables {
  procName: string;
  pidFile: string;
  port?: number;
}

/**
 * What an instance was started with, as far as the configuration decides it: a signal-only
 * restart (usr1/usr2) compares this to tell the user that their changes did not apply.
 */
export function launchFingerprint(app: AppConfig, definition: ProcessDefinition): string {
  return JSON.stringify([definition.command, app.env, definition.env]);
}

// The supervisor's own environment does not change while it runs, and reading process.env
// key by key is slow enough to show when a hundred instances start at once.
const strippedCache = new WeakMap<NodeJS.ProcessEnv, Record<string, string>>();

function inheritedVariables(inherited: NodeJS.ProcessEnv): Record<string, string> {
  let stripped = strippedCache.get(inherited);
  if (stripped === undefined) {
    stripped = stripLauncherVariables(inherited);
    strippedCache.set(inherited, stripped);
  }
  return stripped;
}

export function buildInstanceEnv(
  inherited: NodeJS.ProcessEnv,
  app: AppConfig,
  envFile: Record<string, string> | undefined,
  definition: ProcessDefinition,
  managed: ManagedVariables,
): Record<string, string> {
  const env: Record<string, string> = {
    ...inheritedVariables(inherited),
    ...app.env,
    ...envFile,
    ...definition.env,
    PROC_NAME: managed.procName,
    PID_FILE: managed.pidFile,
    APP_ROOT: app.root,
  };
  if (managed.port !== undefined) env.PORT = String(managed.port);
  return env;
}
