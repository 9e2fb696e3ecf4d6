// Turns argv into ParsedArgs following Procodile 2's rules. The command word is
// found first, with the global options alone; its definition then tells the rest of the scan
// which options it takes and what its other words are.
import { fail, ok, type Result } from '../errors.js';
import { GLOBAL_OPTIONS, type CommandArgs, type GlobalOptions } from './args.js';
import { isCommandName, type CommandName } from './command-registry.js';
import type { Command } from './define-command.js';
import type { OptionSpec } from './option-spec.js';

export interface ParsedArgs extends CommandArgs {
  /** The recognised command, if any. */
  command?: CommandName;
  /** The first leftover word when no command word was recognised. */
  invalidCommand?: string;
}

/** Options known at a point of the scan: the global ones, plus the command's once it is seen. */
interface KnownOptions {
  byLong: Map<string, OptionSpec>;
  byShort: Map<string, OptionSpec>;
}

function knownOptions(command: Command | undefined): KnownOptions {
  const specs = command === undefined ? GLOBAL_OPTIONS : [...GLOBAL_OPTIONS, ...command.options];
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
  private definition: Command | undefined;
  readonly global: GlobalOptions = { help: false, version: false };
  readonly options: Record<string, string | true> = {};
  readonly leftovers: string[] = [];
  /** Set by -h/-v (Procodile prints help or version the moment it meets them, ignoring the rest), and by the command word when that is all the scan looks for. */
  stopped = false;
  private known = knownOptions(undefined);
  private index = 0;

  /**
   * `commands`: the definitions loaded so far; the command word's must be among them.
   * `stopAtCommand`: end the scan at the command word (to learn which definition to load).
   */
  constructor(
    private readonly argv: readonly string[],
    private readonly commands: readonly Command[],
    private readonly stopAtCommand = false,
  ) {}

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
    return this.definition?.extraWords === 'command-line';
  }

  private selectCommand(name: CommandName): void {
    this.command = name;
    if (this.stopAtCommand) {
      this.stopped = true;
      return;
    }
    this.definition = this.commands.find((c) => c.name === name);
    if (this.definition === undefined) throw new Error(`Internal error: the definition of ${name} was not loaded before parsing`);
    this.known = knownOptions(this.definition);
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
    return this.record(spec, spec.defaultValue, flag);
  }

  private record(spec: OptionSpec, value: string | true, flag: string): Result<void> {
    if (typeof value === 'string' && spec.value === 'required' && spec.choices !== undefined && !spec.choices.includes(value)) {
      return fail('INVALID_ARGUMENT', `Invalid value '${value}' for ${flag}; expected ${spec.choices.join(' or ')}`);
    }
    if (isGlobal(spec)) {
      this.recordGlobal(spec.long, value);
      return ok(undefined);
    }
    this.options[spec.long] = value;
    if (spec.value === 'none') for (const implied of spec.implies ?? []) this.options[implied] = true;
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
 * The command word of argv, read as the full parse will read it (`-r status start` is `start`),
 * so that its definition can be loaded before the parse; undefined when there is none.
 */
export function findCommandWord(argv: readonly string[]): CommandName | undefined {
  const scanner = new ArgvScanner(argv, [], true);
  // A mistake before the command word is reported by the full parse, which meets it too.
  return scanner.run().ok ? scanner.command : undefined;
}

/**
 * Parses the words after `procodile`. Global options are accepted anywhere, command options
 * only after the command word; `-h`/`-v` end the scan as Procodile 2 does. `commands` must hold
 * the definition of the command word (see findCommandWord).
 */
export function parseArgs(argv: readonly string[], commands: readonly Command[]): Result<ParsedArgs> {
  const scanner = new ArgvScanner(argv, commands);
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
export function rejectExtraArgs(parsed: ParsedArgs, command: Command | undefined): Result<void> {
  const { extraArgs } = parsed;
  if (command === undefined || command.extraWords !== 'rejected' || extraArgs.length === 0) {
    return ok(undefined);
  }
  return fail(
    'INVALID_ARGUMENT',
    `Invalid argument(s) for \`${command.name}\`: ${extraArgs.join(' ')}. Use \`-p/--processes\` to target processes.`,
  );
}

