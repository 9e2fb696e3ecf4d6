// The crash-loop scenario (README.md, "Crash loops, exit codes and hooks"): a process that exits
// at once, left alone for a while under each supervisor's default policy, all peers side by side
// in the same window so background load hits them alike. Each spawn appends the kernel's uptime
// to a file of its own (shell builtins only, no extra fork), which counts every spawn however
// short-lived it was.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TICKS_PER_SECOND, cpuTicks, fileSize, nowMs, readPidFile, removeDir, rssKb, run, shortTmp, sleep, waitFor } from './util.mjs';

/** Spawns that count as "after the first 10 s" start this long after the start command. */
const WARMUP_S = 10;
/** The log-growth target: bytes the supervisor log may grow per spawn after the warm-up. */
export const LOG_BYTES_PER_SPAWN = 1024;

const SCRIPT = 'read up rest < /proc/uptime\necho "$up" >> "$1"\nexit 1\n';

function uptime() {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

function spawnTimes(file) {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * The variants measured: each peer with its defaults, and procodile once more with a
 * max_respawns it never reaches, to show what backoff alone costs in a loop that never ends.
 */
function variants(peers, dir) {
  const out = [];
  for (const peer of peers) {
    const command = (name) => `/bin/sh ${join(dir, 'crash.sh')} ${join(dir, `${name}.spawns`)}`;
    if (peer.name === 'procodile') {
      out.push({
        name: 'procodile',
        peer,
        create: () => peer.create(1, { procfile: `crash: ${command('procodile')}\n` }),
        spawns: join(dir, 'procodile.spawns'),
        daemonPid: (app) => peer.supervisorPid(app),
        helperPid: (app) => readPidFile(join(app.dir, 'pids', '.procodile-logs.pid')),
        log: (app) => join(app.dir, 'procodile.log'),
      });
      out.push({
        name: 'procodile_unbounded',
        peer,
        create: () => {
          const app = peer.create(1, { procfile: `crash: ${command('procodile_unbounded')}\n` });
          writeFileSync(join(app.dir, 'Procfile.options'), 'processes:\n  crash:\n    max_respawns: 100000\n');
          return app;
        },
        spawns: join(dir, 'procodile_unbounded.spawns'),
        daemonPid: (app) => peer.supervisorPid(app),
        helperPid: (app) => readPidFile(join(app.dir, 'pids', '.procodile-logs.pid')),
        log: (app) => join(app.dir, 'procodile.log'),
      });
    } else if (peer.name === 'pm2') {
      out.push({
        name: 'pm2',
        peer,
        create: () => peer.create(1, { shell: command('pm2') }),
        spawns: join(dir, 'pm2.spawns'),
        daemonPid: (app) => peer.supervisorPid(app),
        helperPid: () => null,
        log: (app) => join(app.dir, 'h', 'pm2.log'),
      });
    } else if (peer.name === 'supervisord') {
      out.push({
        name: 'supervisord',
        peer,
        create: () => peer.create(1, { shell: command('supervisord') }),
        spawns: join(dir, 'supervisord.spawns'),
        daemonPid: (app) => peer.supervisorPid(app),
        helperPid: () => null,
        log: (app) => join(app.dir, 'supervisord.log'),
      });
    }
  }
  return out;
}

async function startVariant(v) {
  const app = v.create();
  v.app = app;
  const [file, args, env] = v.peer.startCmd(app);
  v.startedAt = nowMs();
  v.startUptime = uptime();
  const r = await run(file, args, { env, timeoutMs: 60_000 });
  // procodile's start exits 1 when what it started is crash-looping: that is this scenario.
  if (r.code !== 0 && v.daemonPid(app) === null && v.peer.name !== 'procodile') throw new Error(`${v.name} did not start: ${r.stderr || r.stdout}`.slice(0, 500));
  // supervisord's parent may return before the daemonised child has written its pid file.
  v.pid = await waitFor(() => v.daemonPid(app), { timeoutMs: 10_000, intervalMs: 5, what: `${v.name} pid file` });
  v.helper = v.helperPid(app);
  v.ticks0 = cpuTicks(v.pid) ?? 0;
  v.helperTicks0 = v.helper === null ? 0 : (cpuTicks(v.helper) ?? 0);
  v.cpuFrom = nowMs();
}

/** One round: every variant started together, left for `seconds`, measured, torn down. */
export async function crashLoopRound(peers, seconds, onApp) {
  const dir = shortTmp('pcb-crash-');
  writeFileSync(join(dir, 'crash.sh'), SCRIPT);
  const vs = variants(peers, dir);
  try {
    for (const v of vs) {
      await startVariant(v);
      onApp?.(v.peer, v.app);
    }
    // RSS "at the start": once the daemon is up and has lived through its first crashes.
    await sleep(1000);
    for (const v of vs) v.rssStart = rssKb(v.pid);
    const warmEnd = Math.min(...vs.map((v) => v.startedAt)) + WARMUP_S * 1000;
    await sleep(Math.max(0, warmEnd - nowMs()));
    for (const v of vs) v.logAtWarm = fileSize(v.log(v.app));
    const end = Math.min(...vs.map((v) => v.startedAt)) + seconds * 1000;
    await sleep(Math.max(0, end - nowMs()));
    const out = {};
    for (const v of vs) {
      const ticks = cpuTicks(v.pid);
      const wallS = (nowMs() - v.cpuFrom) / 1000;
      const helperTicks = v.helper === null ? null : cpuTicks(v.helper);
      const times = spawnTimes(v.spawns).map((t) => t - v.startUptime);
      const after = times.filter((t) => t >= WARMUP_S);
      const logEnd = fileSize(v.log(v.app));
      out[v.name] = {
        spawns: times.length,
        spawns_after_warmup: after.length,
        spawns_per_min_after_warmup: (after.length * 60) / Math.max(1, seconds - WARMUP_S),
        cpu_percent: ticks === null ? null : ((ticks - v.ticks0) / TICKS_PER_SECOND / wallS) * 100,
        log_writer_cpu_percent: helperTicks === null ? null : ((helperTicks - v.helperTicks0) / TICKS_PER_SECOND / wallS) * 100,
        log_bytes: logEnd,
        log_bytes_after_warmup: logEnd - v.logAtWarm,
        rss_start_kb: v.rssStart,
        rss_end_kb: rssKb(v.pid),
      };
    }
    return out;
  } finally {
    for (const v of vs) if (v.app) await v.peer.destroy(v.app);
    removeDir(dir);
  }
}
