// Reads and parses the YAML files procodile uses, and maps value paths back to line numbers so
// that validation errors can point at `FILE:LINE`.
import {
  LineCounter,
  YAMLParseError,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
  type YAMLError,
} from 'yaml';
import { fail, ok, type Result } from '../errors.js';
import { FileTooLargeError, readBoundedText } from './bounded-read.js';

/**
 * `failsafe` keeps every scalar as the exact text written (the Procfile: `web: 0777` stays
 * `0777`); `core` is ordinary YAML 1.2 typing (the options files and the global config).
 */
export type YamlSchema = 'failsafe' | 'core';

export type ValuePath = readonly (string | number)[];

export interface YamlFile {
  path: string;
  /** The plain JS value of the document; null for an empty or comment-only file. */
  value: unknown;
  doc: Document;
  lineCounter: LineCounter;
}

export interface ParseYamlOptions {
  schema: YamlSchema;
  /**
   * The Procfile turns this off so that its own case-insensitive duplicate check, which names
   * both entries, reports duplicates instead of the parser.
   */
  uniqueKeys?: boolean;
}

/** Reads `path` and parses it; a missing or unreadable file is reported with `missingCode`. */
export function readYamlFile(
  path: string,
  options: ParseYamlOptions,
  missingCode: 'PROCFILE_NOT_FOUND' | 'CONFIG_INVALID' | 'GLOBAL_CONFIG_INVALID' = 'CONFIG_INVALID',
): Result<YamlFile> {
  let text: string;
  try {
    text = readBoundedText(path);
  } catch (error) {
    if (error instanceof FileTooLargeError) {
      return fail(missingCode === 'GLOBAL_CONFIG_INVALID' ? missingCode : 'CONFIG_INVALID', error.message);
    }
    return fail(missingCode, `Could not read ${path}: ${describeFsError(error)}`);
  }
  return parseYaml(text, path, options);
}

export function parseYaml(text: string, path: string, options: ParseYamlOptions): Result<YamlFile> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    schema: options.schema,
    // yaml compares every key of a mapping with every other one: a mapping of 50,000 keys took
    // minutes. Duplicates are found below with one set per mapping instead.
    uniqueKeys: false,
    // `<<: *defaults` is common in hand-written option files; failsafe has no merge keys.
    merge: options.schema === 'core',
    lineCounter,
    prettyErrors: true,
  });
  const [first = options.uniqueKeys === false ? undefined : duplicateKey(doc, lineCounter)] = doc.errors;
  if (first) return fail('YAML_SYNTAX', describeSyntaxError(first, path, text));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Only alias abuse (a "billion laughs" file) reaches here; the parse itself succeeded.
    return fail('YAML_SYNTAX', `Invalid YAML in ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return ok({ path, value: value ?? null, doc, lineCounter });
}

/** The first key that repeats an earlier key of the same mapping (`<<` merge keys aside). */
function duplicateKey(doc: Document, lineCounter: LineCounter): YAMLError | undefined {
  let found: YAMLError | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = `${typeof pair.key.value}:${String(pair.key.value)}`;
        if (key === 'string:<<') continue;
        if (seen.has(key)) {
          const start = pair.key.range?.[0] ?? 0;
          found = new YAMLParseError([start, start + 1], 'DUPLICATE_KEY', 'Map keys must be unique');
          found.linePos = [lineCounter.linePos(start)];
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

/**
 * The 1-based line of the entry at `valuePath`: the line of its key when it is a mapping entry
 * (where a person looks), else of the value. When the path does not exist (a merged-in key),
 * the deepest existing ancestor's line is given.
 */
export function lineOf(file: YamlFile, valuePath: ValuePath): number | undefined {
  let node: unknown = file.doc.contents;
  let offset: number | undefined = rangeStart(node);
  for (const segment of valuePath) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : file.lineCounter.linePos(offset).line;
}

/**
 * The line of each key of the mapping at `valuePath`, in one pass: asking lineOf for every key
 * of a mapping of thousands is quadratic.
 */
export function keyLines(file: YamlFile, valuePath: ValuePath): Map<string, number> {
  let node: unknown = file.doc.contents;
  for (const segment of valuePath) {
    if (!isMap(node)) return new Map();
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
    node = pair?.value;
  }
  const lines = new Map<string, number>();
  if (!isMap(node)) return lines;
  for (const pair of node.items) {
    const line = isScalar(pair.key) ? nodeLine(file, pair.key) : undefined;
    if (line !== undefined && isScalar(pair.key)) lines.set(String(pair.key.value), line);
  }
  return lines;
}

/** The 1-based line where a yaml node (or pair key) starts. */
export function nodeLine(file: YamlFile, node: unknown): number | undefined {
  const offset = rangeStart(node);
  return offset === undefined ? undefined : file.lineCounter.linePos(offset).line;
}

/** `FILE:LINE` when the line is known, else `FILE`. */
export function locate(file: YamlFile, valuePath: ValuePath): string {
  const line = lineOf(file, valuePath);
  return line === undefined ? file.path : `${file.path}:${line}`;
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: unknown }).range;
    if (Array.isArray(range) && typeof range[0] === 'number') return range[0];
  }
  return undefined;
}

function describeSyntaxError(error: YAMLError, path: string, text: string): string {
  // yaml's message is "<reason> at line L, column C:" followed by a code frame.
  const [headline = error.message, ...frame] = error.message.split('\n');
  const reason = headline.replace(/ at line \d+, column \d+:?$/, '');
  const pos = error.linePos?.[0];
  const hint =
    'Fix the YAML syntax there; a value containing ": " or starting with a quote or another special character ' +
    'must be quoted.';
  // An error found only at the end of the file (an unclosed bracket or quote) points past the
  // last line; name the last line with text instead, where the unfinished value is.
  if (error.pos[0] >= text.trimEnd().length) {
    const lines = text.trimEnd().split('\n');
    const last = lines.length;
    return `${path}:${last}: invalid YAML: ${reason}, at the end of the file.\n${lines[last - 1] ?? ''}\n${hint}`;
  }
  const where = pos ? `${path}:${pos.line}:${pos.col}` : path;
  const snippet = frame.filter((line) => line.trim() !== '').join('\n');
  return `${where}: invalid YAML: ${reason}.${snippet ? `\n${snippet}` : ''}\n${hint}`;
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
};

export function describeFsError(error: unknown): string {
  const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : '';
  return FS_ERRORS[code] ?? (error instanceof Error ? error.message : String(error));
}
