// Which files hold a process's output: one per process (`web.log`), or one per instance with
// `log_per_instance: true` (`web.1.log`, `web.2.log`), and the rotated files beside them.
import { readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { ProcessDefinition } from '../config/types.js';

/** `log/web.log` -> `log/web.2.log`; a name without an extension gets `.2` at its end. */
export function instanceLogPath(definition: Pick<ProcessDefinition, 'logPath' | 'logPerInstance'>, instanceId: number): string {
  if (definition.logPerInstance !== true) return definition.logPath;
  const extension = extname(definition.logPath);
  const stem = definition.logPath.slice(0, definition.logPath.length - extension.length);
  return `${stem}.${instanceId}${extension}`;
}

/** The per-instance logs of a process that exist now, by instance number. */
export function existingInstanceLogs(definition: Pick<ProcessDefinition, 'logPath' | 'logPerInstance'>): Map<number, string> {
  const found = new Map<number, string>();
  const extension = extname(definition.logPath);
  const stem = basename(definition.logPath).slice(0, basename(definition.logPath).length - extension.length);
  let names: string[];
  try {
    names = readdirSync(dirname(definition.logPath));
  } catch {
    return found;
  }
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${escape(stem)}\\.(\\d+)${escape(extension)}$`);
  for (const name of names) {
    const match = pattern.exec(name);
    if (match?.[1] !== undefined) found.set(Number(match[1]), join(dirname(definition.logPath), name));
  }
  return found;
}
