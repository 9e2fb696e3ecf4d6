// Turns problems found in an options file into `FILE:LINE: key.path message` lines, including
// the unknown-key check with its "did you mean" suggestion.
import type { YamlFile, ValuePath } from './yaml-file.js';
import { locate } from './yaml-file.js';
import { hasControlCharacters } from './process-name.js';

export interface OptionsIssue {
  path: ValuePath;
  /** Message with placeholders: {path} dotted key, {got} the value as YAML, {raw} unquoted. */
  template: string;
  input?: unknown;
  /** A list or scalar where a mapping belongs: schema checks below it would only add noise. */
  structural?: boolean;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Lists where the file is not shaped as mappings of mappings (valibot takes a list for an object,
 * so this is checked first) and the unknown keys at the top level and in each `processes.NAME`.
 */
export function checkStructure(
  value: unknown,
  topLevelKeys: readonly string[],
  processKeys: readonly string[],
): OptionsIssue[] {
  if (!isPlainObject(value)) return [notMapping([], value, 'a mapping of option: value')];
  const issues = unknownKeys(value, [], topLevelKeys);
  const { env, processes } = value;
  if (Array.isArray(env)) issues.push(notMapping(['env'], env, 'a mapping of NAME: value'));
  if (Array.isArray(processes)) {
    issues.push(notMapping(['processes'], processes, 'a mapping of process names to their options'));
  }
  if (!isPlainObject(processes)) return issues;
  for (const [name, options] of Object.entries(processes)) {
    if (Array.isArray(options)) issues.push(notMapping(['processes', name], options, 'a mapping of option: value'));
    if (!isPlainObject(options)) continue;
    issues.push(...unknownKeys(options, ['processes', name], processKeys));
    if (Array.isArray(options.env)) {
      issues.push(notMapping(['processes', name, 'env'], options.env, 'a mapping of NAME: value'));
    }
  }
  return issues;
}

function notMapping(path: ValuePath, input: unknown, what: string): OptionsIssue {
  return { path, template: `{path} must be ${what}, got {got}`, input, structural: true };
}

function unknownKeys(value: Record<string, unknown>, parent: ValuePath, known: readonly string[]): OptionsIssue[] {
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const suggestion = suggest(key, known);
      const advice = suggestion ? `Did you mean '${suggestion}'?` : `Known keys: ${known.join(', ')}.`;
      return { path: [...parent, key], template: `unknown option {path}. ${advice}` };
    });
}

/** The closest known key, if it is close enough to be a plausible typo. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const wanted = key.toLowerCase().replaceAll('-', '_');
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate);
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(2, Math.floor(best.key.length / 4)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export function toValuePath(path: readonly { key: unknown }[] | undefined): ValuePath {
  return (path ?? []).map((item) => (typeof item.key === 'number' ? item.key : String(item.key)));
}

export function formatIssue(file: YamlFile, issue: OptionsIssue): string {
  // A key is shown as written unless it holds something a terminal would act on (a newline).
  const dotted =
    issue.path.length === 0
      ? 'the file'
      : issue.path.map((key) => (typeof key === 'string' && hasControlCharacters(key) ? JSON.stringify(key) : key)).join('.');
  const values: Record<string, string> = {
    path: dotted,
    got: describeValue(issue.input),
    raw: typeof issue.input === 'string' ? issue.input : describeValue(issue.input),
  };
  // One pass, so a value that itself contains "{path}" is not expanded again.
  const message = issue.template.replace(/\{(path|got|raw)\}/g, (whole, name: string) => values[name] ?? whole);
  return `${locate(file, issue.path)}: ${message}`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return 'nothing';
}
