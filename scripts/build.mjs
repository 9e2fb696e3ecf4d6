// Bundles the CLI into one CommonJS file: start-up cost is dominated by module loading, and one
// file is ~60 ms faster than tsc's multi-file ESM output (measured when the build was chosen).
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
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

const dist = new URL('../dist/', import.meta.url).pathname;
const outfile = `${dist}procodile-main.cjs`;
const loader = `${dist}procodile.cjs`;
await build({
  entryPoints: [new URL('../src/cli/main.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  define: {
    PROCODILE_VERSION: JSON.stringify(`${pkg.version} (rev ${revision})`),
  },
  // yaml's ESM build loads in about half the time of its many-file CommonJS build once
  // bundled; the code is the same.
  alias: { yaml: './node_modules/yaml/browser/index.js' },
  sourcemap: false,
  logLevel: 'warning',
});
// The log writer (src/logging/log-writer-main.ts) is a long-lived process of its own: a bundle
// of just what it uses keeps its memory small (README.md, "Logs").
await build({
  entryPoints: [new URL('../src/logging/log-writer-main.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: `${dist}procodile-logwriter.cjs`,
  sourcemap: false,
  logLevel: 'warning',
});
// The loader runs the bundle through vm.Script, which has no loader for a real import():
// only bundled modules may be imported lazily, never a Node built-in or a package.
if (/\bimport\((["'])(node:|[a-z@])/.test(readFileSync(outfile, 'utf8'))) {
  throw new Error('dist/procodile-main.cjs contains a dynamic import() of an external module; import it statically');
}

// The loader is what users run: `--` in its shebang stops Node 20 from taking our own
// `--env-file` flag as its own (Node 20 scans the whole command line for it).
copyFileSync(new URL('./loader.cjs', import.meta.url).pathname, loader);
chmodSync(loader, 0o755);
// The installed `procodile` command: a shell launcher that runs the loader (and, for a
// background start, the supervisor beside it).
copyFileSync(new URL('./launcher.sh', import.meta.url).pathname, `${dist}procodile`);
chmodSync(`${dist}procodile`, 0o755);

// Warm the code cache with the path most commands take: resolve an app and read its files.
for (const stale of readdirSync(dist).filter((f) => f.endsWith('.v8cache'))) rmSync(`${dist}${stale}`);
const warm = mkdtempSync('/tmp/pc-build-');
try {
  writeFileSync(`${warm}/Procfile`, 'web: sleep 1\n');
  writeFileSync(`${warm}/Procfile.options`, 'app_name: warm\nprocesses:\n  web:\n    quantity: 1\n');
  execFileSync(process.execPath, ['--', loader, 'status', '--simple'], { cwd: warm, stdio: 'ignore' });
} finally {
  rmSync(warm, { recursive: true, force: true });
}
