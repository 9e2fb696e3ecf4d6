// Bundles the CLI into one CommonJS file: start-up cost is dominated by module loading, and one
// file is ~60 ms faster than tsc's multi-file ESM output (see shared/ECOSYSTEM.md §4.1).
import { build } from 'esbuild';
import { readFileSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
let revision = 'unknown';
try {
  revision = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
} catch {
  // Building from a tarball without git history is fine; the version just says so.
}

const outfile = new URL('../dist/procodile.cjs', import.meta.url).pathname;
await build({
  entryPoints: [new URL('../src/cli/main.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  // `--` stops Node 20 from scanning our own `--env-file` flag as its own (ECOSYSTEM trap 1).
  banner: { js: '#!/usr/bin/env -S node --' },
  define: {
    PROCODILE_VERSION: JSON.stringify(`${pkg.version} (rev ${revision})`),
  },
  sourcemap: false,
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
