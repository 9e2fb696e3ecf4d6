// Reads a command line the way /bin/sh splits it into tokens, to tell one simple command
// (which the shell may `exec`) from lists, pipelines, groups and anything it cannot be sure of.
// Quotes, escapes, `$(...)`, `${...}` and backquotes hide what they contain: `-g 'daemon off;'`
// is one argument, not two commands.

export interface ShellWord {
  /** Offset of the word's first character in the command line. */
  start: number;
  /** The word as written, quotes included. */
  raw: string;
}

export interface SimpleCommand {
  /** Leading `NAME=value` words, before the command name. */
  assignments: ShellWord[];
  /** The command name; undefined when the line only assigns or redirects. */
  name?: ShellWord;
}

const BLANK = /[ \t]/;
const DIGITS = /^\d+$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
// Operators that join, group or background commands; `>&`, `<&` and `>|` are redirections
// and are read with `<`/`>` before these are looked at.
const COMPOUND = new Set([';', '&', '|', '(', ')', '\n']);

/** Index just past the quote that closes the single-quoted string opening at `i`, or -1. */
function skipSingleQuoted(line: string, i: number): number {
  const end = line.indexOf("'", i + 1);
  return end === -1 ? -1 : end + 1;
}

/** Index just past the closing double quote of the string opening at `i`, or -1. */
function skipDoubleQuoted(line: string, i: number): number {
  let j = i + 1;
  while (j < line.length) {
    const c = line.charAt(j);
    if (c === '"') return j + 1;
    if (c === '\\') j += 2;
    else if (c === '`' || (c === '$' && (line.charAt(j + 1) === '(' || line.charAt(j + 1) === '{'))) {
      j = skipExpansion(line, j);
      if (j === -1) return -1;
    } else j += 1;
  }
  return -1;
}

/**
 * Index just past the `$(...)`, `${...}` or backquoted expansion starting at `i`, or -1 when
 * it never closes. An expansion is a world of its own: its `;` and `|` are not ours.
 */
function skipExpansion(line: string, i: number): number {
  if (line.charAt(i) === '`') {
    for (let j = i + 1; j < line.length; j += 1) {
      const c = line.charAt(j);
      if (c === '\\') j += 1;
      else if (c === '`') return j + 1;
    }
    return -1;
  }
  const open = line.charAt(i + 1);
  const close = open === '(' ? ')' : '}';
  let depth = 1;
  let j = i + 2;
  while (j < line.length) {
    const c = line.charAt(j);
    if (c === '\\') j += 2;
    else if (c === "'") j = skipSingleQuoted(line, j);
    else if (c === '"') j = skipDoubleQuoted(line, j);
    else if (c === '`' || (c === '$' && (line.charAt(j + 1) === '(' || line.charAt(j + 1) === '{'))) {
      j = skipExpansion(line, j);
    } else {
      if (c === open) depth += 1;
      else if (c === close && (depth -= 1) === 0) return j + 1;
      j += 1;
    }
    if (j === -1) return -1;
  }
  return -1;
}

/**
 * The line as one simple command, or undefined when it is anything else (a list, pipeline,
 * background job, group, here-document, several lines, or unbalanced quotes): the caller then
 * leaves the line to the shell exactly as written.
 */
export function scanSimpleCommand(line: string): SimpleCommand | undefined {
  const words: ShellWord[] = [];
  const targets = new Set<ShellWord>();
  let wordStart = -1;
  let redirecting = false;
  const endWord = (at: number): void => {
    if (wordStart === -1) return;
    const word = { start: wordStart, raw: line.slice(wordStart, at) };
    words.push(word);
    if (redirecting) targets.add(word);
    redirecting = false;
    wordStart = -1;
  };
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (BLANK.test(c)) {
      endWord(i);
      i += 1;
      continue;
    }
    if (c === '#' && wordStart === -1) {
      // A comment runs to the end of the line; a command after a newline is a second one.
      if (line.includes('\n', i)) return undefined;
      break;
    }
    if (COMPOUND.has(c)) return undefined;
    if (c === '<' || c === '>') {
      // `2>log`: digits right before the operator name the descriptor; they are no word.
      if (wordStart !== -1 && !DIGITS.test(line.slice(wordStart, i))) endWord(i);
      wordStart = -1;
      const next = line.charAt(i + 1);
      if (c === '<' && next === '<') return undefined;
      i += next === '&' || next === '|' || next === '>' || (c === '<' && next === '>') ? 2 : 1;
      redirecting = true;
      continue;
    }
    if (wordStart === -1) wordStart = i;
    if (c === '\\') i += 2;
    else if (c === "'") i = skipSingleQuoted(line, i);
    else if (c === '"') i = skipDoubleQuoted(line, i);
    else if (c === '`' || (c === '$' && (line.charAt(i + 1) === '(' || line.charAt(i + 1) === '{'))) {
      i = skipExpansion(line, i);
    } else i += 1;
    if (i === -1) return undefined;
  }
  endWord(line.length);
  if (redirecting) return undefined;
  const assignments: ShellWord[] = [];
  for (const word of words) {
    if (targets.has(word)) continue;
    if (ASSIGNMENT.test(word.raw)) {
      assignments.push(word);
      continue;
    }
    return { assignments, name: word };
  }
  return { assignments };
}
