// The observation scenarios (README.md, "Seeing what runs"): what the 5-second sampler costs a
// supervisor of 100 idle instances, `status --all` over 10 applications against one `status`,
// and one Prometheus scrape of 100 instances.
//
// "Sampling off" is a second bundle of the same source in which Sampler.start returns at once,
// built into a temp dir by this file: users get no switch to turn sampling off, and a build of
// an older commit would differ in more than the sampler.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TICKS_PER_SECOND, cpuTicks, freePort, isAlive, nowMs, readPidFile, removeDir, rssKb, run, shortTmp, sleep, waitFor } from './util.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLER_START = 'start(): void {\n    if (this.#timer !== undefined) return;';

/** dist/ with a procodile-main.cjs whose sampler never starts; the caller removes `dir`. */
export async function buildWithoutSampler(cli) {
  const { build } = await import('esbuild');
  const dir = shortTmp('pcb-nosample-');
  const dist = dirname(cli);
  copyFileSync(join(dist, 'procodile.cjs'), join(dir, 'procodile.cjs'));
  copyFileSync(join(dist, 'procodile-logwriter.cjs'), join(dir, 'procodile-logwriter.cjs'));
  const samplerFile = join(REPO, 'src', 'supervisor', 'sampler.ts');
  const noSampler = {
    name: 'no-sampler',
    setup(b) {
      b.onLoad({ filter: /supervisor[\\/]sampler\.ts$/ }, () => {
        const source = readFileSync(samplerFile, 'utf8');
        if (!source.includes(SAMPLER_START)) throw new Error(`bench/lib/observe.mjs: Sampler.start in ${samplerFile} changed; update SAMPLER_START`);
        return { contents: source.replace(SAMPLER_START, 'start(): void {\n    return;'), loader: 'ts' };
      });
    },
  };
  await build({
    entryPoints: [join(REPO, 'src', 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: join(dir, 'procodile-main.cjs'),
    define: { PROCODILE_VERSION: JSON.stringify('bench (sampling off)') },
    alias: { yaml: join(REPO, 'node_modules', 'yaml', 'browser', 'index.js') },
    plugins: [noSampler],
    logLevel: 'warning',
  });
  return { dir, cli: join(dir, 'procodile.cjs') };
}


/** One GET on a new connection; ms from the request to the last byte. */
function scrape(port) {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length));
      res.on('end', () => (res.statusCode === 200 ? resolve({ ms: nowMs() - t0, bytes }) : reject(new Error(`metrics answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Sampler cost: two apps of 100 idle instances, one with sampling and one without, started
 * together and measured over the same window (CPU from /proc/PID/stat, RSS at its start and
 * end); then `scrapes` scrapes of the sampling app's metrics endpoint. Both serve metrics, so
 * that the HTTP server's code and memory are on both sides and the difference is the sampler.
 */
export async function samplerRound(peer, noSamplerCli, { seconds, settleMs, scrapes }, onApp) {
  const port = await freePort();
  const offPort = await freePort();
  const on = peer.create(100);
  const off = peer.create(100);
  writeFileSync(join(on.dir, 'Procfile.options'), `metrics_address: 127.0.0.1:${port}\nprocesses:\n  idle:\n    quantity: 100\n`);
  writeFileSync(join(off.dir, 'Procfile.options'), `metrics_address: 127.0.0.1:${offPort}\nprocesses:\n  idle:\n    quantity: 100\n`);
  onApp?.(on);
  onApp?.(off);
  const offCmd = (app, ...args) => [process.execPath, [noSamplerCli, ...args, '-r', app.dir]];
  try {
    for (const [file, args, env] of [peer.startCmd(on), [...offCmd(off, 'start'), undefined]]) {
      const r = await run(file, args, { env, timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`start failed: ${r.stderr || r.stdout}`.slice(0, 500));
    }
    for (const app of [on, off]) await waitFor(() => peer.alive(app).length >= 100, { timeoutMs: 60_000, intervalMs: 50, what: '100 alive' });
    await sleep(settleMs);
    const pids = [on, off].map((app) => readPidFile(join(app.dir, 'pids', 'procodile.pid')));
    const ticks0 = pids.map(cpuTicks);
    const rss0 = pids.map(rssKb);
    const t0 = nowMs();
    await sleep(seconds * 1000);
    const wallS = (nowMs() - t0) / 1000;
    const cpu = pids.map((pid, i) => ((cpuTicks(pid) - ticks0[i]) / TICKS_PER_SECOND / wallS) * 100);
    const rss = pids.map(rssKb);
    // The comparison is only worth something if the second build really does not sample.
    const offStatus = await run(...offCmd(off, 'status', '--json'), { timeoutMs: 30_000 });
    const offIdle = JSON.parse(offStatus.stdout).instances.idle;
    if (offIdle.some((i) => i.rss_bytes !== null)) throw new Error('the sampling-off build sampled');
    const scrapeMs = [];
    let bytes = 0;
    for (let i = 0; i < scrapes; i++) {
      const s = await scrape(port);
      scrapeMs.push(s.ms);
      bytes = s.bytes;
      await sleep(100);
    }
    return { cpu_on: cpu[0], cpu_off: cpu[1], rss_on_start_kb: rss0[0], rss_off_start_kb: rss0[1], rss_on_kb: rss[0], rss_off_kb: rss[1], scrape_ms: scrapeMs, scrape_bytes: bytes };
  } finally {
    // The sampling-off app is stopped by its own build; the normal teardown then finds it gone.
    const sup = readPidFile(join(off.dir, 'pids', 'procodile.pid'));
    if (sup !== null && isAlive(sup)) await run(...offCmd(off, 'stop', '-s', '--wait'), { timeoutMs: 60_000 }).catch(() => undefined);
    await peer.destroy(on);
    await peer.destroy(off);
  }
}

/**
 * `status --all --json` over `apps` running applications (2 instances each) against
 * `status --json` of one of them, sampled alternately.
 */
export async function statusAllRound(peer, { apps, samples }, onApp) {
  const list = [];
  const cfgDir = shortTmp('pcb-global-');
  try {
    for (let i = 0; i < apps; i++) {
      const app = peer.create(2);
      list.push(app);
      onApp?.(app);
      const [file, args, env] = peer.startCmd(app);
      const r = await run(file, args, { env, timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`start failed: ${r.stderr || r.stdout}`.slice(0, 500));
    }
    const config = join(cfgDir, 'procodile.yml');
    writeFileSync(config, list.map((app, i) => `- name: app${i}\n  root: ${app.dir}\n`).join(''));
    for (const app of list) await waitFor(() => peer.alive(app).length >= 2, { timeoutMs: 30_000, intervalMs: 20, what: '2 alive' });
    const [file, args, env] = peer.statusCmd(list[0]);
    const cli = args[0];
    const one = [];
    const all = [];
    for (let i = 0; i < samples; i++) {
      const a = await run(file, args, { env, timeoutMs: 30_000 });
      if (a.code !== 0) throw new Error(`status failed: ${a.stderr}`.slice(0, 300));
      one.push(a.ms);
      const b = await run(file, [cli, 'status', '--all', '--json'], { env: { ...env, PROCODILE_CONFIG: config }, timeoutMs: 30_000 });
      const parsed = JSON.parse(b.stdout);
      if (parsed.apps.length !== apps || parsed.apps.some((x) => x.supervisor !== 'running')) throw new Error(`status --all saw ${b.stdout.slice(0, 300)}`);
      all.push(b.ms);
    }
    return { one_ms: one, all_ms: all };
  } finally {
    for (const app of list) await peer.destroy(app);
    removeDir(cfgDir);
  }
}
