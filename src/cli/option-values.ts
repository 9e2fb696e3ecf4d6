// The options several commands share (`-p/--processes`, `-t/--tag`) and the parsers of the
// values of `-p` and `--ports`; the commands check the names against the application.
import { fail, ok, type Result } from '../errors.js';

export const processesOption = (help: string) =>
  ({ long: 'processes', short: 'p', value: 'required', placeholder: 'a,b,c', help }) as const;

export const tagOption = (help: string) => ({ long: 'tag', short: 't', value: 'required', placeholder: 'TAGNAME', help }) as const;

export interface ProcessSelector {
  name: string;
  /** Set for `NAME.N`: only instance N of NAME. */
  instance?: number;
}

// Only a trailing `.digits` is an instance number, as the supervisor reads it, so a process
// called `app4.25.new` can still be named (as in Procodile, Q6).
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
