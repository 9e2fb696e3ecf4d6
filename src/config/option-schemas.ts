// The value schemas of the options files, one builder per kind of value (a port, a number of
// seconds, a size, a signal, a ready check...), each with the message a wrong value gets.
// options.ts assembles them into the schema of Procfile.options and Procfile.local.
import * as v from 'valibot';
import type { NetworkProtocol, ReadyCheck, RestartMode, RestartPolicy } from './types.js';
import { normaliseSignal } from './signals.js';
import { parseMemorySize } from './memory-size.js';
import { parseListenAddress } from './listen-address.js';

export const RESTART_MODES: readonly RestartMode[] = ['term-start', 'start-term', 'usr1', 'usr2'];
export const NETWORK_PROTOCOLS: readonly NetworkProtocol[] = ['tcp', 'udp'];
export const RESTART_POLICIES: readonly RestartPolicy[] = ['always', 'on-failure', 'never'];
/**
 * Instances of one process. Far above any real use, and low enough that a typo (`1e9`) cannot
 * fork the machine to death; the total over all processes is checked against the machine's
 * process limit when the configuration is loaded (load-config.ts).
 */
export const MAX_QUANTITY = 1000;

// Messages are templates: {path} is the dotted key, {got} the offending value as YAML shows it,
// {raw} the same value unquoted. See options-issues.ts.
export const expected = (what: string): string => `{path} must be ${what}, got {got}`;

export const text = (what = 'a string') => v.string(expected(what));
export const path = () => v.pipe(v.string(expected('a path')), v.nonEmpty(expected('a non-empty path')));
export const wholeNumber = (min: number) => {
  const message = expected(`a whole number >= ${min}`);
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message));
};
export const port = () => {
  const message = expected('a port number from 1 to 65535');
  return v.pipe(v.number(message), v.integer(message), v.minValue(1, message), v.maxValue(65535, message));
};
export const wholeNumberUpTo = (min: number, max: number) => {
  const message = expected(`a whole number from ${min} to ${max}`);
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
};
/** A text that passes `problem` (which says why not, or returns undefined). */
export const checkedText = (what: string, problem: (value: string) => string | undefined, advice = '') =>
  v.pipe(
    text(what),
    v.check(
      (value) => problem(value) === undefined,
      (issue) => `{path} {got} ${problem(String(issue.input)) ?? 'is invalid'}${advice}`,
    ),
  );
export const seconds = () => {
  const message = expected('a number of seconds greater than 0');
  return v.pipe(v.number(message), v.finite(message), v.gtValue(0, message));
};
export const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
/** Below this, a log would rotate every few lines. */
export const MIN_LOG_SIZE = 1024;
/** A size such as 50M, 1G, 512K or a number of bytes, as a number of bytes. */
export function parseSize(value: string | number): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*$/i.exec(String(value));
  if (match === null) return undefined;
  const bytes = Math.floor(Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toUpperCase()] ?? 1));
  return Number.isSafeInteger(bytes) && bytes >= MIN_LOG_SIZE ? bytes : undefined;
}
export const size = () => {
  const message = expected(`a size of at least ${MIN_LOG_SIZE} bytes such as 50M, 1G, 512K or a number of bytes`);
  return v.pipe(
    v.union([v.string(), v.number()], message),
    v.check((value) => parseSize(value) !== undefined, message),
    v.transform((value) => parseSize(value) ?? MIN_LOG_SIZE),
  );
};
/** More rotated files than this is a mistake for a bigger log_max_size. */
export const MAX_LOG_KEEP = 1000;
export const keepCount = () => {
  const message = expected(`a whole number from 0 to ${MAX_LOG_KEEP}`);
  return v.pipe(v.number(message), v.integer(message), v.minValue(0, message), v.maxValue(MAX_LOG_KEEP, message));
};
export const flag = () => v.boolean(expected('true or false'));
export const memorySize = () => {
  const message = expected('a memory size such as 512M or 2G');
  return v.pipe(
    v.union([v.string(message), v.number(message)], message),
    v.check((value) => parseMemorySize(value) !== undefined, message),
    v.transform((value) => parseMemorySize(value) ?? 0),
  );
};
export const listenAddress = () => {
  const message = expected('an address to listen on such as 127.0.0.1:9100 (or a port: loopback only)');
  return v.pipe(
    v.union([v.string(message), v.number(message)], message),
    v.check((value) => parseListenAddress(value) !== undefined, message),
    v.transform((value) => parseListenAddress(value) ?? { host: '127.0.0.1', port: 0 }),
  );
};
export const envMap = () =>
  v.pipe(
    v.record(
      v.string(),
      v.nullable(v.union([v.string(), v.number(), v.boolean()], expected('a string, number or boolean'))),
      expected('a mapping of NAME: value'),
    ),
    v.transform((env) =>
      Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)])),
    ),
  );
export const restartMode = () => {
  const message = expected(`one of ${RESTART_MODES.join(', ')}`);
  return v.pipe(
    v.string(message),
    v.check((mode) => RESTART_MODES.some((known) => known === mode.toLowerCase()), message),
    v.transform((mode) => mode.toLowerCase() as RestartMode),
  );
};
export const signal = () => {
  const message = expected('a signal name such as TERM, INT or SIGQUIT');
  return v.pipe(
    v.string(message),
    v.check((name) => normaliseSignal(name) !== undefined, message),
    v.transform((name): NodeJS.Signals => normaliseSignal(name) ?? 'SIGTERM'),
  );
};
export const restartPolicy = () => {
  const message = expected(`one of ${RESTART_POLICIES.join(', ')}`);
  return v.pipe(
    v.string(message),
    v.check((policy) => RESTART_POLICIES.some((known) => known === policy), message),
    v.transform((policy) => policy as RestartPolicy),
  );
};
export const hook = () => v.pipe(text('a shell command'), v.nonEmpty(expected('a non-empty shell command')));
export const secondsFrom0 = () => {
  const message = expected('a number of seconds, 0 or more');
  return v.pipe(v.number(message), v.finite(message), v.minValue(0, message));
};
export const networkProtocol = () => {
  const message = "Invalid network_protocol '{raw}' at {path}: use tcp or udp";
  return v.pipe(
    v.string(message),
    v.check((protocol) => NETWORK_PROTOCOLS.some((known) => known === protocol.toLowerCase()), message),
    v.transform((protocol) => protocol.toLowerCase() as NetworkProtocol),
  );
};

export const readyCheck = () => {
  const message = expected('tcp, notify, or one of http: /PATH, command: CMD, log: REGEX');
  const nonEmpty = (what: string) => v.pipe(v.string(expected(what)), v.nonEmpty(expected(what)));
  return v.union(
    [
      v.pipe(
        v.picklist(['tcp', 'notify'], message),
        v.transform((kind): ReadyCheck => ({ kind })),
      ),
      v.pipe(
        v.strictObject({ http: v.pipe(nonEmpty('a path starting with /'), v.startsWith('/', expected('a path starting with /'))) }, message),
        v.transform((o): ReadyCheck => ({ kind: 'http', path: o.http })),
      ),
      v.pipe(v.strictObject({ command: nonEmpty('a command') }, message), v.transform((o): ReadyCheck => ({ kind: 'command', command: o.command }))),
      v.pipe(
        v.strictObject({ log: v.pipe(nonEmpty('a regular expression'), v.check((p) => validRegex(p), expected('a valid regular expression'))) }, message),
        v.transform((o): ReadyCheck => ({ kind: 'log', pattern: o.log })),
      ),
    ],
    message,
  );
};

export function validRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
