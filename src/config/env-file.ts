// Parses `--env-file` files in the usual dotenv format (D10: keys as written, not upper-cased as
// Procodile 2 does).
import { fail, ok, type Result } from '../errors.js';
import { FileTooLargeError, readBoundedText } from './bounded-read.js';
import { describeFsError } from './yaml-file.js';

const KEY = /^[A-Za-z_][\w.-]*$/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

/** Reads and parses an env file; `path` should already be absolute (relative to ROOT). */
export function readEnvFile(path: string): Result<Record<string, string>> {
  let text: string;
  try {
    text = readBoundedText(path);
  } catch (error) {
    if (error instanceof FileTooLargeError) return fail('ENV_FILE', error.message);
    const code = error && typeof error === 'object' && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT') return fail('ENV_FILE', `The file ${path} could not be found.`);
    return fail('ENV_FILE', `The file ${path} could not be read: ${describeFsError(error)}.`);
  }
  return parseEnvFile(text, path);
}

/**
 * One `KEY=VALUE` per line, optionally prefixed with `export `. Blank lines and `#` lines are
 * skipped. 'single quotes' are literal; "double quotes" understand \n \t \r \" \\ and may span
 * lines; unquoted values are trimmed and lose a ` # comment`.
 */
export function parseEnvFile(text: string, path: string): Result<Record<string, string>> {
  const lines = text.split(/\r?\n/);
  const values = new Map<string, string>();
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const line = (lines[index] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const invalid = (why: string) =>
      fail('ENV_FILE', `Invalid line in env file ${path}:${lineNumber}: ${why}. Lines must look like KEY=value.`);
    const assignment = line.replace(/^export\s+/, '');
    const equals = assignment.indexOf('=');
    if (equals === -1) return invalid(`no '=' in ${JSON.stringify(line)}`);
    const key = assignment.slice(0, equals).trim();
    if (!KEY.test(key)) return invalid(`${JSON.stringify(key)} is not a valid variable name`);
    const rest = assignment.slice(equals + 1).trimStart();
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      values.set(key, stripInlineComment(rest));
      continue;
    }
    // A quoted value may continue on the following lines until its closing quote.
    let body = rest.slice(1);
    let close = findClosingQuote(body, quote);
    while (close === -1 && index + 1 < lines.length) {
      index++;
      body += `\n${lines[index] ?? ''}`;
      close = findClosingQuote(body, quote);
    }
    if (close === -1) return invalid(`the value of ${key} has no closing ${quote}`);
    const trailing = body.slice(close + 1).trim();
    if (trailing !== '' && !trailing.startsWith('#')) {
      return invalid(`unexpected text ${JSON.stringify(trailing)} after the closing quote of ${key}`);
    }
    const raw = body.slice(0, close);
    values.set(key, quote === '"' ? unescape(raw) : raw);
  }
  return ok(Object.fromEntries(values));
}

function findClosingQuote(body: string, quote: string): number {
  for (let i = 0; i < body.length; i++) {
    if (quote === '"' && body[i] === '\\') {
      i++;
      continue;
    }
    if (body[i] === quote) return i;
  }
  return -1;
}

function unescape(raw: string): string {
  // Unknown escapes such as `\$` are kept as written, as dotenv does.
  return raw.replace(/\\(.)/g, (whole, char: string) => ESCAPES[char] ?? whole);
}

/** `a b # note` → `a b`; a `#` that is not preceded by whitespace is part of the value. */
function stripInlineComment(value: string): string {
  const comment = value.search(/(^|\s)#/);
  return (comment === -1 ? value : value.slice(0, comment)).trim();
}
