// The timed scenarios, written once against the peer API of peers.mjs.
import { isAlive, nowMs, rssKb, run, sleep, waitFor } from './util.mjs';

const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 1);

/** Runs a CLI in the background while `until` is polled; resolves both timings. */
async function timed(cmd, until, what, timeoutMs) {
  const [file, args, env] = cmd;
  const t0 = nowMs();
  let cmdResult;
  const cmdDone = run(file, args, { env, timeoutMs }).then((r) => {
    cmdResult = r;
    return r;
  });
  let reachedMs;
  let failure;
  try {
    await waitFor(
      () => {
        if (cmdResult !== undefined && cmdResult.code !== 0 && !until()) throw new Error(`${what}: command failed (${cmdResult.code}): ${cmdResult.stderr.slice(0, 500)}`);
        return until();
      },
      { timeoutMs, intervalMs: POLL_MS, what },
    );
    reachedMs = nowMs() - t0;
  } catch (e) {
    failure = e;
  }
  const r = await cmdDone;
  if (failure) throw failure;
  return { reachedMs, cmdMs: r.ms, code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** `start` until n instances are alive. */
export async function measureStart(peer, app, timeoutMs = 120_000) {
  const r = await timed(peer.startCmd(app), () => peer.alive(app).length >= app.n, `${peer.name} start of ${app.n}`, timeoutMs);
  return { ms: r.reachedMs, cmd_ms: r.cmdMs };
}

/** SIGKILL one instance (a different one each time) until a replacement is alive. */
export async function measureRespawn(peer, app, k, timeoutMs = 30_000) {
  const before = peer.alive(app).sort((a, b) => a - b);
  if (before.length < app.n) throw new Error(`${peer.name}: only ${before.length}/${app.n} alive before respawn`);
  const victim = before[k % before.length];
  const t0 = nowMs();
  process.kill(victim, 'SIGKILL');
  await waitFor(
    () => {
      const live = peer.alive(app);
      return live.length >= app.n && !live.includes(victim);
    },
    { timeoutMs, intervalMs: POLL_MS, what: `${peer.name} respawn` },
  );
  return nowMs() - t0;
}

/** Restart everything until n instances are alive and none of them is an old one. */
export async function measureRestart(peer, app, timeoutMs = 120_000) {
  const old = new Set(peer.alive(app));
  const r = await timed(
    peer.restartCmd(app),
    () => {
      const live = peer.alive(app);
      return live.length >= app.n && live.every((pid) => !old.has(pid));
    },
    `${peer.name} restart of ${app.n}`,
    timeoutMs,
  );
  return { ms: r.reachedMs, cmd_ms: r.cmdMs };
}

/** Stop everything until nothing is left: ms = max(command returned, last process gone). */
export async function measureStop(peer, app, timeoutMs = 120_000) {
  const instances = peer.alive(app);
  const sup = peer.supervisorPid(app);
  const r = await timed(
    peer.stopCmd(app),
    () => instances.every((pid) => !isAlive(pid)) && (peer.stopLeavesSupervisor || sup === null || !isAlive(sup)),
    `${peer.name} stop of ${app.n}`,
    timeoutMs,
  );
  return { ms: Math.max(r.reachedMs, r.cmdMs), gone_ms: r.reachedMs, cmd_ms: r.cmdMs };
}

/** VmRSS of the supervisor after it has been idle for `settleMs`. */
export async function measureRss(peer, app, settleMs) {
  await sleep(settleMs);
  const pid = peer.supervisorPid(app);
  return pid === null ? null : rssKb(pid);
}

export async function measureCli([file, args, env]) {
  const r = await run(file, args, { env, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 300)}`);
  return r.ms;
}
