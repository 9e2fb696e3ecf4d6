// Parses a Procfile: a YAML mapping of process names (optionally `NAME__AT__cron`) to commands.
import { isMap, isPair, isScalar } from 'yaml';
import { fail, ok, type Result } from '../errors.js';
import { CRON_HINT, cronScheduleProblem } from './cron-schedule.js';
import { processNameProblem, quoted } from './process-name.js';
import { readBoundedText } from './bounded-read.js';
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

/** Case-sensitive on purpose: `job__aT__…` is an ordinary process name (as in Procodile). */
const SCHEDULE_SEPARATOR = '__AT__';

export function readProcfile(path: string): Result<ProcfileEntry[]> {
  let text: string | undefined;
  try {
    text = readBoundedText(path);
  } catch {
    // readYamlFile below reports a missing or unreadable file the usual way.
  }
  const plain = text === undefined ? undefined : plainLines(text);
  if (plain !== undefined) return checkedEntries(path, plain);
  const file = readYamlFile(path, { schema: 'failsafe', uniqueKeys: false }, 'PROCFILE_NOT_FOUND');
  return file.ok ? procfileEntries(file.value) : file;
}

export function parseProcfile(text: string, path: string): Result<ProcfileEntry[]> {
  const plain = plainLines(text);
  if (plain !== undefined) return checkedEntries(path, plain);
  const file = parseYaml(text, path, { schema: 'failsafe', uniqueKeys: false });
  return file.ok ? procfileEntries(file.value) : file;
}

interface RawEntry {
  key: string;
  /** Undefined when the value is a list or a mapping. */
  value: string | undefined;
  line?: number;
}

/** A process name at the start of a line, `: `, and a command YAML reads as the same text. */
const PLAIN_LINE = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):[ ]+([^-?:,[\]{}#&*!|>'"%@`\s][^\t]*)$/;

/**
 * The entries of a Procfile made only of `name: command` lines, comments and blank lines, read
 * without the YAML parser, which takes most of a command's time with thousands of processes;
 * undefined for anything else (quotes, continuation lines, schedules...), which YAML reads.
 * A command containing ': ' or ' #', or ending in ':', is left to YAML too.
 */
export function plainLines(text: string): RawEntry[] | undefined {
  if (text.startsWith('\uFEFF')) return undefined;
  const entries: RawEntry[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').replace(/\r$/, '');
    if (/^[ ]*(#.*)?$/.test(line)) continue;
    const match = PLAIN_LINE.exec(line);
    if (match === null) return undefined;
    const value = (match[2] ?? '').trimEnd();
    if (value.includes(': ') || value.includes(' #') || value.endsWith(':') || /[\u0000-\u001f\u007f]/.test(value)) return undefined;
    entries.push({ key: match[1] ?? '', value, line: index + 1 });
  }
  return entries;
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
  const raw: RawEntry[] = [];
  for (const pair of doc.contents.items) {
    if (!isPair(pair) || !isScalar(pair.key)) {
      return fail('CONFIG_INVALID', `${path}: every Procfile key must be a plain process name.`);
    }
    const line = nodeLine(file, pair.key);
    raw.push({
      key: String(pair.key.value),
      value: isScalar(pair.value) ? String(pair.value.value) : undefined,
      ...(line === undefined ? {} : { line }),
    });
  }
  return checkedEntries(path, raw);
}

function checkedEntries(path: string, raw: RawEntry[]): Result<ProcfileEntry[]> {
  if (raw.length === 0) return emptyProcfile(path);
  const entries: ProcfileEntry[] = [];
  const seen = new Map<string, ProcfileEntry>();
  for (const { key, value, line } of raw) {
    const where = `${path}:${line ?? '?'}`;
    if (value === undefined) {
      return fail(
        'CONFIG_INVALID',
        `${where}: the command for ${quoted(key)} must be a single line of text, not a list or a mapping. ` +
          'Quote the command if it contains ": ".',
      );
    }
    const command = value.trim();
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
