// How a command-line option is described, and the typed object a command reads its options
// from: a flag is a boolean, a value option a string (or one of its choices), keyed by the
// option's long name in camelCase (`--no-respawn` is `noRespawn`).

interface OptionBase {
  /** Long name without dashes (`no-respawn`); also the key in `ParsedArgs.options`. */
  long: string;
  /** Single letter for the `-x` form, if any. */
  short?: string;
  help: string;
}

/** A flag: present or not. */
export interface FlagSpec extends OptionBase {
  value: 'none';
  /** Flags this one switches on as well (`--dev` means foreground, proxy, ...). */
  implies?: readonly string[];
}

/** An option whose value is the next word, or the rest of the word after `=`. */
export interface RequiredValueSpec extends OptionBase {
  value: 'required';
  /** Shown after the flag in help (`a,b,c`, `PATH`). */
  placeholder: string;
  /** The only accepted values, checked by the parser. */
  choices?: readonly string[];
}

/** An option that takes the next word only when that word is not an option itself. */
export interface OptionalValueSpec extends OptionBase {
  value: 'optional';
  placeholder: string;
  /** Value recorded when the option is given without one. */
  defaultValue: string;
}

export type OptionSpec = FlagSpec | RequiredValueSpec | OptionalValueSpec;

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

type ValueOf<S extends OptionSpec> = S extends FlagSpec
  ? boolean
  : S extends { choices: readonly (infer C)[] }
    ? C | undefined
    : string | undefined;

/** The options object a command receives, inferred from its option specs. */
export type OptionValues<Specs extends readonly OptionSpec[]> = {
  readonly [S in Specs[number] as CamelCase<S['long']>]: ValueOf<S>;
};

/** The parser's record of what was given, keyed by long name. */
export type RawOptions = Readonly<Record<string, string | true>>;

export function camelCase(long: string): string {
  return long.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Turns the parser's record into the typed object: every flag present (false when not given). */
export function readOptions<const Specs extends readonly OptionSpec[]>(specs: Specs, raw: RawOptions): OptionValues<Specs> {
  const values: Record<string, string | boolean | undefined> = {};
  for (const spec of specs) {
    const given = raw[spec.long];
    values[camelCase(spec.long)] = spec.value === 'none' ? given === true : typeof given === 'string' ? given : undefined;
  }
  return values as OptionValues<Specs>;
}
