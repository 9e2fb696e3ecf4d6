// Names each engine accepts, made from the app and process names, with a warning whenever
// the name had to change (so a user searching for `my_worker` learns it is `my-worker`).
import type { ExportWarnings } from './warnings.js';

/** systemd unit names: letters, digits and `:_.-` (anything else would need \x escapes). */
export function unitNamePart(name: string, key: string, warnings: ExportWarnings): string {
  const safe = name.replace(/[^A-Za-z0-9:_.-]/g, '-');
  if (safe !== name) warnings.add(key, `'${name}' is not a valid part of a unit name; the units use '${safe}'`);
  return safe;
}

/**
 * A DNS label (RFC 1123) of at most `max` characters, as Kubernetes object and container
 * names and Compose service names need: lower case, digits and dashes.
 */
export function dnsLabel(name: string, key: string, warnings: ExportWarnings, max = 63): string {
  const safe =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, max)
      .replace(/-+$/, '') || 'app';
  if (safe !== name) warnings.add(key, `'${name}' is not a valid name here; it was exported as '${safe}'`);
  return safe;
}
