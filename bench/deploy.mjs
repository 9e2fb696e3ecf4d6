#!/usr/bin/env node
// The deploy scenario on its own (bench/README.md): procodile's proxy during `procodile
// restart`, and PM2's cluster mode during `pm2 reload` when PM2 is installed, quantity 2 and 4.
// `npm run bench` runs the same rounds with BENCH_ONLY=deploy.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pm2Deploy, procodileDeploy } from './lib/deploy.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CLI = process.env.BENCH_CLI ?? join(HERE, '..', 'dist', 'procodile');
const SECONDS = Number(process.env.BENCH_DEPLOY_SECONDS ?? 6);
const PM2 = join(process.env.BENCH_PEERS_DIR ?? '/tmp/pc-bench-peers', 'node_modules', 'pm2', 'bin', 'pm2');

try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (error) {
  if (error.code === 'ENOENT') {
    process.stderr.write('wrk is not installed (Debian: apt-get install -y wrk)\n');
    process.exit(2);
  }
}
const results = [];
for (const quantity of [2, 4]) {
  results.push({ peer: 'procodile', ...(await procodileDeploy(CLI, quantity, SECONDS)) });
  if (existsSync(PM2)) results.push({ peer: 'pm2', ...(await pm2Deploy(PM2, quantity, SECONDS)) });
  else process.stderr.write(`PM2 skipped: not installed in ${PM2} (npm install --prefix /tmp/pc-bench-peers pm2)\n`);
}
process.stdout.write(`${JSON.stringify({ loadavg: (await import('node:os')).loadavg(), results }, null, 2)}\n`);
