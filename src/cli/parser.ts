// Turns argv into ParsedArgs following Procodile 2's rules (spec 2.1), plus the parsers for
// the values of `-p/--processes` and `--ports`.
import { fail, ok, type Result } from '../errors.js';
import type { CommandName, GlobalOptions, ParsedArgs } from './args.js';
import {
  GLOBAL_OPTIONS,
  NO_EXTRA_ARGS_COMMANDS,
  PASSTHROUGH_COMMANDS,
  commandSpec,
  isCommandName,
  type OptionSpec,
} from './command-table.js';

/** Options known at a point of the scan: the global ones, plus the command's once it is seen. */
interface KnownOptions {
  byLong: Map<string, OptionSpec>;
  byShort: Map<string, OptionSpec>;
}

function knownOptions(command: CommandName | undefined): KnownOptions {
  const specs = command === undefined ? GLOBAL_OPTIONS : [...GLOBAL_OPTIONS, ...commandSpec(command).options];
  const byLong = new Map<string, OptionSpec>();
  const byShort = new Map<string, OptionSpec>();
  for (const spec of specs) {
    byLong.set(spec.long, spec);
    if (spec.short !== undefined) byShort.set(spec.short, spec);
  }
  return { byLong, byShort };
}

/** True when `word` would be read as one of the known options (so an optional value must not take it). */
function isKnownOptionWord(word: string, known: KnownOptions): boolean {
  if (word.startsWith('--')) {
    const eq = word.indexOf('=');
    return known.byLong.has(word.slice(2, eq === -1 ? undefined : eq));
  }
  return word.length > 1 && word.startsWith('-') && known.byShort.has(word.charAt(1));
}

const isOptionWord = (word: string): boolean => word.startsWith('-') && word !== '-';

const isGlobal = (spec: OptionSpec): boolean => GLOBAL_OPTIONS.includes(spec);

class ArgvScanner {
  command: CommandName | undefined;
  readonly global: GlobalOptions = { help: false, version: false };
  readonly options: Record<string, string | true> = {};
  readonly leftovers: string[] = [];
  /** Set by -h/-v: Procodile prints help or version the moment it meets them, ignoring the rest. */
  stopped = false;
  private known = knownOptions(undefined);
  private index = 0;

  constructor(private readonly argv: readonly string[]) {}

  run(): Result<void> {
    while (this.index < this.argv.length && !this.stopped) {
      const word = this.argv[this.index++] ?? '';
      let step: Result<void> = ok(undefined);
      if (word === '--') {
        // Q1 fix: the words after `--` are kept verbatim instead of being discarded.
        this.leftovers.push(...this.argv.slice(this.index));
        return ok(undefined);
      } else if (this.isPassthrough() && !isOptionWord(word)) {
        // Q1 fix: after `exec`/`run`, options are read up to the command's first word; from
        // there every word belongs to the command, `-la` included.
        this.leftovers.push(word, ...this.argv.slice(this.index));
        return ok(undefined);
      } else if (word.startsWith('--')) {
        step = this.longOption(word);
      } else if (isOptionWord(word)) {
        step = this.shortOptions(word);
      } else if (this.command === undefined && isCommandName(word)) {
        this.selectCommand(word);
      } else {
        this.leftovers.push(word);
      }
      if (!step.ok) return step;
    }
    return ok(undefined);
  }

  private isPassthrough(): boolean {
    return this.command !== undefined && PASSTHROUGH_COMMANDS.includes(this.command);
  }

  private selectCommand(name: CommandName): void {
    this.command = name;
    this.known = knownOptions(name);
  }

  private longOption(word: string): Result<void> {
    const eq = word.indexOf('=');
    const name = word.slice(2, eq === -1 ? undefined : eq);
    const spec = this.known.byLong.get(name);
    if (spec === undefined) return fail('INVALID_OPTION', `Invalid option: ${word}`);
    const flag = `--${name}`;
    if (eq !== -1) {
      if (spec.value === 'none') return fail('INVALID_OPTION', `Invalid option: ${word}`);
      return this.record(spec, word.slice(eq + 1), flag);
    }
    return this.takeValue(spec, flag);
  }

  private shortOptions(word: string): Result<void> {
    const letters = word.slice(1);
    for (let i = 0; i < letters.length; i++) {
      const letter = letters.charAt(i);
      const spec = this.known.byShort.get(letter);
      // A bundle is accepted only when every letter is known; report the word as typed.
      if (spec === undefined) return fail('INVALID_OPTION', `Invalid option: ${word}`);
      const flag = `-${letter}`;
      if (spec.value === 'none') {
        const step = this.record(spec, true, flag);
        if (!step.ok || this.stopped) return step;
        continue;
      }
      // A value-taking letter ends the bundle: the rest of the word is its value (`-pweb`).
      const rest = letters.slice(i + 1);
      return rest === '' ? this.takeValue(spec, flag) : this.record(spec, rest, flag);
    }
    return ok(undefined);
  }

  /** The option's value comes from the next word, if it needs or may take one. */
  private takeValue(spec: OptionSpec, flag: string): Result<void> {
    if (spec.value === 'none') return this.record(spec, true, flag);
    const next = this.argv[this.index];
    if (spec.value === 'required') {
      if (next === undefined) return fail('MISSING_OPTION_VALUE', `Missing option for ${flag}`);
      this.index++;
      return this.record(spec, next, flag);
    }
    // Optional value (`--env-file [FILE]`): `--` and known options are left for the scan.
    if (next !== undefined && next !== '--' && !isKnownOptionWord(next, this.known)) {
      this.index++;
      return this.record(spec, next, flag);
    }
    return this.record(spec, spec.defaultValue ?? true, flag);
  }

  private record(spec: OptionSpec, value: string | true, flag: string): Result<void> {
    if (typeof value === 'string' && spec.choices !== undefined && !spec.choices.includes(value)) {
      return fail('INVALID_ARGUMENT', `Invalid value '${value}' for ${flag}; expected ${spec.choices.join(' or ')}`);
    }
    if (isGlobal(spec)) {
      this.recordGlobal(spec.long, value);
      return ok(undefined);
    }
    this.options[spec.long] = value;
    for (const implied of spec.implies ?? []) this.options[implied] = true;
    return ok(undefined);
  }

  private recordGlobal(long: string, value: string | true): void {
    if (long === 'root' && typeof value === 'string') this.global.root = value;
    else if (long === 'procfile' && typeof value === 'string') this.global.procfile = value;
    else if (long === 'help') {
      this.global.help = true;
      this.stopped = true;
    } else if (long === 'version') {
      this.global.version = true;
      this.stopped = true;
    }
  }
}

/**
 * Parses the words after `procodile`. Global options are accepted anywhere, command options
 * only after the command word; `-h`/`-v` end the scan as Procodile 2 does.
 */
export function parseArgs(argv: readonly string[]): Result<ParsedArgs> {
  const scanner = new ArgvScanner(argv);
  const scanned = scanner.run();
  if (!scanned.ok) return scanned;
  const parsed: ParsedArgs = {
    global: scanner.global,
    options: scanner.options,
    extraArgs: [...scanner.leftovers],
  };
  if (scanner.command !== undefined) {
    parsed.command = scanner.command;
  } else if (parsed.extraArgs.length > 0) {
    parsed.invalidCommand = parsed.extraArgs.shift();
  }
  return ok(parsed);
}

/**
 * The command word a failed parse was heading for, so the caller can print that command's
 * help after `Invalid option: X` (Procodile prints the help of the command seen so far).
 */
export function commandForHelp(argv: readonly string[]): CommandName | undefined {
  for (const word of argv) {
    if (word === '--') return undefined;
    if (isCommandName(word)) return word;
  }
  return undefined;
}

/** `start`, `stop` and `restart` take processes through `-p` only; stray words are a mistake. */
export function rejectExtraArgs(parsed: ParsedArgs): Result<void> {
  const { command, extraArgs } = parsed;
  if (command === undefined || !NO_EXTRA_ARGS_COMMANDS.includes(command) || extraArgs.length === 0) {
    return ok(undefined);
  }
  return fail(
    'INVALID_ARGUMENT',
    `Invalid argument(s) for \`${command}\`: ${extraArgs.join(' ')}. Use \`-p/--processes\` to target processes.`,
  );
}

export interface ProcessSelector {
  name: string;
  /** Set for `NAME.N`: only instance N of NAME. */
  instance?: number;
}

// Only a trailing `.digits` is an instance number, as the supervisor reads it, so a process
// called `app4.25.new` can still be named (spec 2.4, Q6).
const INSTANCE_SUFFIX = /^(.+)\.(\d+)$/;

/** Parses `-p a,b.2,c`: comma-separated, trimmed, duplicates removed. */
export function parseProcessSelectors(value: string): Result<ProcessSelector[]> {
  const selectors: ProcessSelector[] = [];
  const seen = new Set<string>();
  for (const raw of value.split(',')) {
    const element = raw.trim();
    if (element === '') continue;
    const match = INSTANCE_SUFFIX.exec(element);
    const instance = match?.[2] === undefined ? undefined : Number(match[2]);
    const selector: ProcessSelector =
      match?.[1] !== undefined && instance !== undefined && Number.isSafeInteger(instance)
        ? { name: match[1], instance }
        : { name: element };
    const key = selector.instance === undefined ? selector.name : `${selector.name}.${selector.instance}`;
    if (seen.has(key)) continue;
    seen.add(key);
    selectors.push(selector);
  }
  if (selectors.length === 0) return fail('INVALID_ARGUMENT', 'No process names provided');
  return ok(selectors);
}

const MAX_PORT = 65535;

/** Parses `--ports app1:3001,app2:0`; port 0 asks for a random free port. */
export function parsePortAllocations(value: string): Result<Record<string, number>> {
  const allocations: Record<string, number> = {};
  const segments = value
    .split(',')
    .map((segment) => segment.trim())
    .filter((segment) => segment !== '');
  if (segments.length === 0) return fail('INVALID_ARGUMENT', 'No port specified, e.g. app1:3001,app2:3002');
  for (const segment of segments) {
    const colon = segment.indexOf(':');
    if (colon === -1) return fail('INVALID_ARGUMENT', 'No port specified, e.g. app1:3001,app2:3002');
    const name = segment.slice(0, colon).trim();
    const portText = segment.slice(colon + 1).trim();
    if (name === '') {
      return fail('INVALID_ARGUMENT', `No process name given for '${segment}' in --ports, e.g. app1:3001`);
    }
    const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
    if (!Number.isInteger(port) || port > MAX_PORT) {
      return fail(
        'INVALID_ARGUMENT',
        `Invalid port '${portText}' for ${name} in --ports: expected a number from 0 to ${MAX_PORT}`,
      );
    }
    allocations[name] = port;
  }
  return ok(allocations);
}
