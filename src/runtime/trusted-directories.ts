// The directories a root supervisor writes its runtime files in (pid_root, the log
// directories) must be root's alone: whoever can create or rename entries in them, or in a
// directory above them, can make root write wherever they like (README.md, "Running as root").
import { lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { AppConfig } from '../config/types.js';
import { describeFsError } from '../config/yaml-file.js';
import { ProcodileError } from '../errors.js';

/** A directory the supervisor writes in, and the setting that places it (for the message). */
export interface RuntimeDirectory {
  path: string;
  /** The setting that moves it. */
  setting: string;
  /** What it is, when not simply the place `setting` names. */
  role?: string;
}

const GROUP_OR_OTHER_WRITABLE = 0o022;
const STICKY = 0o1000;

function lstatIfPresent(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with one directory on the way to a runtime directory, if anything. The runtime
 * directory itself must be root's and writable by root only. A directory above it may also be
 * world-writable with the sticky bit (like /tmp): there nobody but root can rename or remove
 * the root-owned directory below.
 */
function flaw(stats: Stats, isTarget: boolean): { problem: string; fix: string } | undefined {
  // In a sticky directory the owner of a link may still replace it, so links must be root's too.
  if (stats.uid !== 0) return { problem: `is owned by uid ${stats.uid}, not root`, fix: stats.isSymbolicLink() ? 'chown -h root' : 'chown root' };
  if (stats.isSymbolicLink()) return undefined; // A link's own mode means nothing.
  const writable = (stats.mode & GROUP_OR_OTHER_WRITABLE) !== 0;
  if (writable && (isTarget || (stats.mode & STICKY) === 0)) {
    return { problem: `is writable by other users (mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')})`, fix: 'chmod go-w' };
  }
  return undefined;
}

/** The first untrustworthy directory from `dir` up to `/`, walking the path as written. */
function firstFlaw(dir: string): { path: string; problem: string; fix: string } | undefined {
  for (let path = dir; ; path = dirname(path)) {
    const stats = lstatIfPresent(path);
    const found = stats === undefined ? undefined : flaw(stats, path === dir);
    if (found !== undefined) return { path, ...found };
    if (path === dirname(path)) return undefined;
  }
}

function untrusted(dir: RuntimeDirectory, found: { path: string; problem: string; fix: string }): ProcodileError {
  const which = found.path === dir.path ? 'it' : `the directory above it, ${found.path},`;
  return new ProcodileError(
    'UNSAFE_PATH',
    `Refusing to use ${dir.path} (${dir.role ?? dir.setting}) while running as root: ${which} ${found.problem}, ` +
      'so another user could make root overwrite any file through a planted link. ' +
      `Run \`${found.fix} ${found.path}\`, or set ${dir.setting} to a directory only root can write ` +
      `(such as ${dir.setting === 'pid_root' ? '/run/APP' : '/var/log/APP'}).`,
  );
}

/**
 * Refuses a runtime directory a non-root user could tamper with, when we run as root. Both the
 * path as written and the directories it resolves to are checked: a root-made link such as
 * /srv/app/current is fine as long as neither side can be changed by someone else.
 */
export function checkRuntimeDirectory(dir: RuntimeDirectory, euid = process.geteuid?.()): void {
  if (euid !== 0) return;
  const found = firstFlaw(dir.path);
  if (found !== undefined) throw untrusted(dir, found);
  let real: string;
  try {
    real = realpathSync(dir.path);
  } catch {
    return; // Not created yet: checked again once it is.
  }
  const foundReal = real === dir.path ? undefined : firstFlaw(real);
  if (foundReal !== undefined) throw untrusted(dir, foundReal);
}

/**
 * Creates a runtime directory (never group- or world-writable, whatever the umask) and, when
 * we run as root, makes sure nobody else controls it: checked before anything is created, and
 * again after, because someone may have created it first.
 */
export function ensureRuntimeDirectory(dir: RuntimeDirectory, euid = process.geteuid?.()): void {
  checkRuntimeDirectory(dir, euid);
  try {
    mkdirSync(dir.path, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new ProcodileError(
      'CONFIG_INVALID',
      `Cannot create ${dir.path} (${dir.role ?? dir.setting}): ${describeFsError(error)}. Set ${dir.setting} to a directory you can write.`,
    );
  }
  checkRuntimeDirectory(dir, euid);
}

/**
 * Every directory a supervisor of `config` writes in: the pid directory, and in the
 * background also the directories of its own log and of each process's log.
 */
export function runtimeDirectories(config: AppConfig, foreground: boolean): RuntimeDirectory[] {
  const found = new Map<string, RuntimeDirectory>();
  const add = (dir: RuntimeDirectory): void => {
    if (!found.has(dir.path)) found.set(dir.path, dir);
  };
  const logDirectory = (path: string, own: string): RuntimeDirectory => {
    if (path === config.logRoot) return { path, setting: 'log_root' };
    if (path === config.root) return { path, setting: 'log_root', role: 'the application root, where logs go by default' };
    return { path, setting: own };
  };
  add({ path: config.pidRoot, setting: 'pid_root' });
  if (!foreground) {
    add(logDirectory(dirname(config.logPath), 'log_path'));
    for (const process of config.processes) add(logDirectory(dirname(process.logPath), `processes.${process.name}.log_path`));
  }
  return [...found.values()];
}

/** Creates and checks every directory a new supervisor will write in, before it writes. */
export function prepareRuntimeDirectories(config: AppConfig, foreground: boolean): void {
  for (const dir of runtimeDirectories(config, foreground)) ensureRuntimeDirectory(dir);
}
