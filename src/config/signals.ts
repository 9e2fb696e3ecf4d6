// Turns a user-written signal name (`TERM`, `sigterm`, `SIGTERM`) into Node's `SIGTERM` form.
import { constants } from 'node:os';

/** The normalised signal, or undefined when the name is not a signal this platform knows. */
export function normaliseSignal(name: string): NodeJS.Signals | undefined {
  const upper = name.trim().toUpperCase();
  const candidate = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return isSignalName(candidate) ? candidate : undefined;
}

function isSignalName(name: string): name is NodeJS.Signals {
  return Object.hasOwn(constants.signals, name);
}
