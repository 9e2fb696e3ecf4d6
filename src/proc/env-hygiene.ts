// Removes the variables that only describe how procodile itself was launched (D9), so that
// processes it starts see the user's environment, not npm's or the daemon's.

const DAEMON_MARKER = 'PROCODILE_DAEMON_CHILD';
// The pids that scripts/launcher.sh passes between a `start` and the supervisor it launches
// beside it (src/daemon/early-daemon.ts).
const EARLY_LAUNCH = ['PROCODILE_EARLY_DAEMON', 'PROCODILE_EARLY_PARENT'];
// systemd's socket for the supervisor's own Type=notify unit. A process that inherited it
// and sent READY=1 or STOPPING=1 (many call sd_notify() whenever it is set) would speak for
// the whole unit; `ready: notify` gives an instance a socket of its own instead.
const SUPERVISOR_NOTIFY_SOCKET = 'NOTIFY_SOCKET';

// npm's run-script puts `<dir>/node_modules/.bin` for the package and each ancestor on PATH,
// npx adds its cache's `node_modules/.bin`, and npm adds its bundled node-gyp shim directory.
const NODE_MODULES_BIN = /\/node_modules\/\.bin\/?$/;
const NODE_GYP_BIN = /\/node-gyp-bin\/?$/;

function isNpmVariable(key: string): boolean {
  // `npm_config_*` is a subset of `npm_*`; npm only ever sets the lower-case spelling, so an
  // upper-case NPM_CONFIG_* is the user's own setting and is kept.
  return key.startsWith('npm_');
}

/**
 * Returns a copy of `env` without launcher variables: the daemon marker, systemd's
 * NOTIFY_SOCKET, every `npm_*` variable, `INIT_CWD`, npm's `NODE`, and the PATH entries
 * npm/npx add. Undefined values are dropped so the result can be handed straight to `spawn`.
 */
export function stripLauncherVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const keys = Object.keys(env);
  // Only an npm/npx launch leaves npm_* variables behind; without them, NODE and any
  // node_modules/.bin entry on PATH were put there by the user (e.g. direnv's PATH_add) and an
  // application may rely on them.
  const launchedByNpm = keys.some(isNpmVariable);
  const result: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value === undefined) continue;
    if (key === DAEMON_MARKER || EARLY_LAUNCH.includes(key) || key === SUPERVISOR_NOTIFY_SOCKET || key === 'INIT_CWD' || isNpmVariable(key)) continue;
    if (key === 'NODE' && launchedByNpm) continue;
    result[key] = key === 'PATH' ? cleanPath(value, launchedByNpm) : value;
  }
  return result;
}

function cleanPath(path: string, launchedByNpm: boolean): string {
  return path
    .split(':')
    .filter((entry) => !NODE_GYP_BIN.test(entry) && !(launchedByNpm && NODE_MODULES_BIN.test(entry)))
    .join(':');
}
