// Log throughput, paired: the log modes of bench/lib/logs.mjs run in turn, round after round
// (the order rotates each round), and every mode's lines/s is divided by `direct-file`'s of the
// same round, so a machine whose speed drifts moves both sides of a ratio alike. Prints medians
// and [min-max] of lines/s and of the ratios, and any lost, torn, duplicated or reordered line.
// usage: npm run build && node bench/logs.mjs [rounds=10] [modes=direct-file,background,...]
// A mode written MODE@PATH runs with the procodile at PATH (to compare two builds in one run).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { logRun } from './lib/logs.mjs';
import { cleanUpOnSignals, runCleanups, stats } from './lib/util.mjs';

const CLI = process.env.BENCH_CLI ?? join(fileURLToPath(new URL('.', import.meta.url)), '..', 'dist', 'procodile');
const rounds = Number(process.argv[2] ?? 10);
const modes = (process.argv[3] ?? 'direct-file,background,background-rotating,socket-relay').split(',');
if (!modes.includes('direct-file')) modes.unshift('direct-file');
const lines = Number(process.env.BENCH_LOG_LINES ?? 200_000);
const chunk = Number(process.env.BENCH_LOG_CHUNK ?? 4096);

const speed = {};
const ratio = {};
const faults = {};
cleanUpOnSignals((message) => process.stderr.write(`${message}\n`));
for (let r = 0; r < rounds; r++) {
  const order = modes.map((_, i) => modes[(i + r) % modes.length]);
  const round = {};
  for (const mode of order) {
    // MODE@CLI runs a procodile mode with another build (an older dist/procodile, say).
    const [name, cli = CLI] = mode.split('@');
    const x = await logRun(name, { cli, lines, chunk });
    round[mode] = x.lines_per_s;
    (speed[mode] ??= []).push(x.lines_per_s);
    const bad = x.lost + x.torn + x.duplicated + x.reordered;
    if (bad > 0) faults[mode] = (faults[mode] ?? 0) + bad;
  }
  for (const mode of modes) (ratio[mode] ??= []).push(round[mode] / round['direct-file']);
  process.stderr.write(`round ${r + 1}: ${modes.map((m) => `${m} ${(round[m] / 1e6).toFixed(2)}M (${(round[m] / round['direct-file']).toFixed(2)}x)`).join(', ')}\n`);
}
const fmt = (s, f) => `${f(s.median)} [${f(s.min)}-${f(s.max)}]`;
for (const mode of modes) {
  const s = stats(speed[mode]);
  const q = stats(ratio[mode]);
  console.log(`${mode.padEnd(20)} ${fmt(s, (v) => `${(v / 1e6).toFixed(2)}M`)} lines/s   ${fmt(q, (v) => v.toFixed(2))}x direct-file   faults ${faults[mode] ?? 0}`);
}
await runCleanups();
