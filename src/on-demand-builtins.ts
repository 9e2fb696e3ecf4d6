// Node built-ins that only some supervisors use, loaded when first needed. The background
// supervisor runs with V8 flags under which Node compiles every built-in it loads from source,
// and http (an http readiness check, the metrics endpoint) and dgram (a UDP port check) cost
// about 5 ms of a start that uses neither (README.md, "Performance").
import { createRequire } from 'node:module';
import type * as Dgram from 'node:dgram';
import type * as Http from 'node:http';

// Any absolute path will do: built-ins resolve the same from everywhere.
const load = createRequire('/');

export function httpModule(): typeof Http {
  return load('node:http') as typeof Http;
}

export function dgramModule(): typeof Dgram {
  return load('node:dgram') as typeof Dgram;
}
