// Throw-away directory trees for unit tests, removed after the test file has run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after } from 'node:test';

const made: string[] = [];
let registered = false;

/** A fresh directory under /tmp holding `files` (relative path to content). */
export function tempTree(files: Record<string, string>, prefix = '/tmp/pc-'): string {
  if (!registered) {
    registered = true;
    after(() => {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    });
  }
  const root = mkdtempSync(prefix);
  made.push(root);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}
