// The `procodile ...` command line shown in issue messages, carrying -r and --procfile only
// when the user would need them (as in Procodile, with Q13 fixed by absolute procfile paths).
import { join, relative } from 'node:path';
import type { AppConfig } from '../config/types.js';

function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/') ? rel : path;
}

export function suggestCommand(config: AppConfig, cwd: string, command: string): string {
  const parts = ['procodile'];
  if (config.root !== cwd) parts.push('-r', config.root);
  if (config.procfilePath !== join(config.root, 'Procfile')) parts.push('--procfile', shown(config.procfilePath, cwd));
  parts.push(command);
  return parts.join(' ');
}
