// Works out which application a command is about: from --root/--procfile, the current
// directory, or the global configuration file (as in Procodile, with quirks Q13 and Q14 fixed).
import { dirname } from 'node:path';
import { fail, ok, type Result } from '../errors.js';
import type { AppLocation } from './types.js';
import { expandPath, isFile } from './paths.js';
import { readYamlFile } from './yaml-file.js';

export const DEFAULT_GLOBAL_CONFIG = '/etc/procodile';

export interface GlobalConfigEntry {
  name?: string;
  root: string;
  procfile?: string;
}

/**
 * Shows the entries and resolves to the 0-based index of the one chosen, or undefined when
 * nothing was chosen (end of input). The CLI owns the terminal, so it draws the chooser.
 */
export type ChooseApp = (entries: GlobalConfigEntry[], configPath: string) => Promise<number | undefined>;

export interface ResolveAppInput {
  cwd: string;
  root?: string;
  procfile?: string;
  env: NodeJS.ProcessEnv;
  choose: ChooseApp;
}

export async function resolveAppLocation(input: ResolveAppInput): Promise<Result<AppLocation>> {
  const { cwd } = input;
  if (input.root !== undefined) {
    const root = expandPath(input.root, cwd);
    return ok(input.procfile === undefined ? { root } : { root, procfile: expandPath(input.procfile, root) });
  }
  if (input.procfile !== undefined) {
    const procfile = expandPath(input.procfile, cwd);
    return ok({ root: dirname(procfile), procfile });
  }
  // Q13: the Procfile found in the working directory is simply ROOT/Procfile, so suggested
  // commands no longer carry `--procfile Procfile`.
  if (isFile(expandPath('Procfile', cwd))) return ok({ root: expandPath(cwd, '/') });
  return resolveFromGlobalConfig(input);
}

async function resolveFromGlobalConfig(input: ResolveAppInput): Promise<Result<AppLocation>> {
  const { cwd, env } = input;
  const configPath = expandPath(nonEmpty(env.PROCODILE_CONFIG) ?? DEFAULT_GLOBAL_CONFIG, cwd);
  const notFound = fail('PROCFILE_NOT_FOUND', `Could not find Procfile in ${expandPath('Procfile', cwd)}`);
  if (!isFile(configPath)) return notFound;
  const entries = readGlobalConfig(configPath);
  if (!entries.ok) return entries;
  const list = entries.value;
  if (list.length === 0) return notFound;

  let index: number | undefined;
  const appId = nonEmpty(env.PROCODILE_APP_ID);
  if (appId !== undefined) {
    if (!/^\d+$/.test(appId.trim())) {
      const range = `0 to ${list.length - 1}`;
      return fail('INVALID_ARGUMENT', `PROCODILE_APP_ID must be a number from ${range}, got '${appId}'.`);
    }
    index = Number(appId.trim());
    if (index >= list.length) {
      return fail(
        'INVALID_ARGUMENT',
        `PROCODILE_APP_ID is ${index}, but ${configPath} lists ${list.length} application(s) ` +
          `(ids are 0-based: 0 to ${list.length - 1}).`,
      );
    }
  } else if (list.length === 1) {
    // Q14: a single application is used directly, never through the chooser.
    index = 0;
  } else {
    index = await input.choose(list, configPath);
    if (index === undefined) return notFound;
    if (!Number.isInteger(index) || index < 0 || index >= list.length) {
      return fail('INVALID_ARGUMENT', `Invalid app number: ${index + 1}`);
    }
  }
  const entry = list[index];
  if (!entry) return notFound;
  const root = expandPath(entry.root, cwd);
  return ok(entry.procfile === undefined ? { root } : { root, procfile: expandPath(entry.procfile, root) });
}

/** A list of `{name?, root, procfile?}` entries, or one such mapping (Q14). */
export function readGlobalConfig(configPath: string): Result<GlobalConfigEntry[]> {
  const file = readYamlFile(configPath, { schema: 'core' }, 'GLOBAL_CONFIG_INVALID');
  if (!file.ok) return file;
  const value = file.value.value;
  if (value === null) return ok([]);
  const invalid = (detail: string) =>
    fail('GLOBAL_CONFIG_INVALID', `Invalid global configuration format in ${configPath}: ${detail}`);
  const items: unknown[] = Array.isArray(value) ? value : isMapping(value) ? [value] : [];
  if (items.length === 0 && !Array.isArray(value)) {
    return invalid('expected a list of applications, each with a root (and optionally a name and a procfile).');
  }
  const entries: GlobalConfigEntry[] = [];
  for (const [position, item] of items.entries()) {
    const label = Array.isArray(value) ? `entry ${position + 1}` : 'the application';
    if (!isMapping(item)) return invalid(`${label} must be a mapping with a root.`);
    const { name, root, procfile } = item;
    if (typeof root !== 'string' || root.trim() === '') return invalid(`${label} has no root directory.`);
    if (name !== undefined && name !== null && typeof name !== 'string' && typeof name !== 'number') {
      return invalid(`${label} has a name that is not text.`);
    }
    if (procfile !== undefined && procfile !== null && (typeof procfile !== 'string' || procfile.trim() === '')) {
      return invalid(`${label} has a procfile that is not a path.`);
    }
    entries.push({
      root,
      ...(name === undefined || name === null ? {} : { name: String(name) }),
      ...(typeof procfile === 'string' ? { procfile } : {}),
    });
  }
  return ok(entries);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
