// Parses a Procfile: a YAML mapping of process names (optionally `NAME__AT__cron`) to commands.
import { isMap, isPair, isScalar } from 'yaml';
import { fail, ok, type Result } from '../errors.js';
import { CRON_HINT, cronScheduleProblem } from './cron-schedule.js';
import { processNameProblem, quoted } from './process-name.js';
import { lineOf, nodeLine, parseYaml, readYamlFile, type YamlFile } from './yaml-file.js';

export interface ProcfileEntry {
  name: string;
  command: string;
  /** Cron schedule from a `NAME__AT__SCHEDULE` key, trimmed. */
  schedule?: string;
  /** The key exactly as written in the Procfile. */
  key: string;
  line?: number;
}

/** Case-sensitive on purpose: `job__aT__…` is an ordinary process name (Procodile 4.1). */
const SCHEDULE_SEPARATOR = '__AT__';

export function readProcfile(path: string): Result<ProcfileEntry[]> {
  const file = readYamlFile(path, { schema: 'failsafe', uniqueKeys: false }, 'PROCFILE_NOT_FOUND');
  return file.ok ? procfileEntries(file.value) : file;
}

export function parseProcfile(text: string, path: string): Result<ProcfileEntry[]> {
  const file = parseYaml(text, path, { schema: 'failsafe', uniqueKeys: false });
  return file.ok ? procfileEntries(file.value) : file;
}

function procfileEntries(file: YamlFile): Result<ProcfileEntry[]> {
  const { path, doc } = file;
  if (doc.contents === null) return emptyProcfile(path);
  if (!isMap(doc.contents)) {
    return fail(
      'CONFIG_INVALID',
      `${path}:${lineOf(file, []) ?? 1}: a Procfile must be a list of "name: command" lines, ` +
        'one process per line.',
    );
  }
  if (doc.contents.items.length === 0) return emptyProcfile(path);
  const entries: ProcfileEntry[] = [];
  const seen = new Map<string, ProcfileEntry>();
  for (const pair of doc.contents.items) {
    if (!isPair(pair) || !isScalar(pair.key)) {
      return fail('CONFIG_INVALID', `${path}: every Procfile key must be a plain process name.`);
    }
    const key = String(pair.key.value);
    const line = nodeLine(file, pair.key);
    const where = `${path}:${line ?? '?'}`;
    if (!isScalar(pair.value)) {
      return fail(
        'CONFIG_INVALID',
        `${where}: the command for ${quoted(key)} must be a single line of text, not a list or a mapping. ` +
          'Quote the command if it contains ": ".',
      );
    }
    const command = String(pair.value.value).trim();
    const { name, schedule } = splitKey(key);
    if (name === '') {
      return fail('CONFIG_INVALID', `${where}: the Procfile entry ${quoted(key)} has no process name before __AT__.`);
    }
    if (schedule === '') {
      return fail('CONFIG_INVALID', `${where}: the Procfile entry ${quoted(key)} has an empty schedule after __AT__.`);
    }
    const nameProblem = processNameProblem(name);
    if (nameProblem !== undefined) {
      return fail('CONFIG_INVALID', `${where}: the process name ${quoted(name)} ${nameProblem}. Rename it.`);
    }
    const scheduleProblem = schedule === undefined ? undefined : cronScheduleProblem(schedule);
    if (scheduleProblem !== undefined) {
      return fail(
        'CONFIG_INVALID',
        `${where}: the schedule ${quoted(schedule ?? '')} of process '${name}' is not a valid cron schedule: ` +
          `${scheduleProblem}. ${CRON_HINT}.`,
      );
    }
    if (command === '') {
      return fail('CONFIG_INVALID', `${where}: process '${name}' has no command. Add one after "${key}:".`);
    }
    const entry: ProcfileEntry = {
      name,
      command,
      key,
      ...(schedule === undefined ? {} : { schedule }),
      ...(line === undefined ? {} : { line }),
    };
    const earlier = seen.get(name.toLowerCase());
    if (earlier) {
      return fail(
        'CONFIG_INVALID',
        `Duplicate process name '${name}' in Procfile ${where}: ${quoted(key)} clashes with ${quoted(earlier.key)} on ` +
          `line ${earlier.line ?? '?'} (names are compared without schedules and ignoring case). Rename one of them.`,
      );
    }
    seen.set(name.toLowerCase(), entry);
    entries.push(entry);
  }
  return ok(entries);
}

function emptyProcfile(path: string): Result<never> {
  return fail(
    'PROCFILE_EMPTY',
    `The Procfile at ${path} seems to have no contents.\n` +
      'Did you forget to add your commands, or was the file emptied by mistake?',
  );
}

function splitKey(key: string): { name: string; schedule?: string } {
  const at = key.indexOf(SCHEDULE_SEPARATOR);
  if (at === -1) return { name: key };
  return { name: key.slice(0, at).trim(), schedule: key.slice(at + SCHEDULE_SEPARATOR.length).trim() };
}
