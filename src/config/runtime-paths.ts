// Where a running supervisor's files are, read as leniently as possible. When a deploy leaves a
// broken Procfile or options file on disk, `stop`, `status` and `kill` must still reach the
// supervisor that runs with the configuration it loaded before: for that they only need the
// pid directory and log paths, taken from whatever parts of the option files still parse.
import { existsSync } from 'node:fs';
import { DEFAULT_APP_NAME, supervisorFiles } from './load-config.js';
import { expandPath } from './paths.js';
import { appNameProblem } from './process-name.js';
import type { AppConfig, AppLocation } from './types.js';
import { readYamlFile } from './yaml-file.js';

type PathKeys = 'root' | 'pid_root' | 'log_root' | 'log_path' | 'app_name';

function lenientKeys(file: string): Partial<Record<PathKeys, string>> {
  if (!existsSync(file)) return {};
  const yaml = readYamlFile(file, { schema: 'core' });
  if (!yaml.ok) return {};
  const value = yaml.value.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const raw = value as Record<string, unknown>;
  const picked: Partial<Record<PathKeys, string>> = {};
  for (const key of ['root', 'pid_root', 'log_root', 'log_path', 'app_name'] as const) {
    if (typeof raw[key] === 'string') picked[key] = raw[key];
  }
  return picked;
}

/** A configuration with the paths of the files on disk and no processes. */
export function runtimePaths(location: AppLocation, cwd: string = process.cwd()): AppConfig {
  const givenRoot = expandPath(location.root, cwd);
  const procfile = location.procfile === undefined ? `${givenRoot}/Procfile` : expandPath(location.procfile, givenRoot);
  const keys = { ...lenientKeys(`${procfile}.options`), ...lenientKeys(`${procfile}.local`) };
  const root = keys.root === undefined ? givenRoot : expandPath(keys.root, givenRoot);
  return {
    root,
    procfilePath: location.procfile === undefined ? `${root}/Procfile` : procfile,
    explicitProcfile: location.procfile !== undefined,
    optionsPath: `${procfile}.options`,
    localOptionsPath: `${procfile}.local`,
    appName: keys.app_name === undefined || appNameProblem(keys.app_name) !== undefined ? DEFAULT_APP_NAME : keys.app_name,
    ...supervisorFiles(root, { pidRoot: keys.pid_root, logRoot: keys.log_root, logPath: keys.log_path }),
    env: {},
    processes: [],
    loadedAt: Math.floor(Date.now() / 1000),
  };
}
