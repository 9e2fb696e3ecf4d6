// Helpers for end-to-end tests that drive a real supervisor through the CLI.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { StatusReply, InstanceJson } from '../../src/control/protocol.js';
import { isAlive } from '../../src/proc/liveness.js';
import { runCli, waitFor, type TestApp } from './app.js';

export async function cli(app: TestApp, args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, { cwd: app.root, env });
}

export async function startDaemon(app: TestApp, args: string[] = []): Promise<void> {
  const result = await cli(app, ['start', ...args]);
  assert.equal(result.code, 0, `start failed:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /Started Procodile supervisor with PID \d+/);
}

export async function status(app: TestApp): Promise<StatusReply> {
  const result = await cli(app, ['status', '--json']);
  assert.equal(result.code, 0, `status failed:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout) as StatusReply;
}

export function instancesOf(reply: StatusReply, name: string): InstanceJson[] {
  return reply.instances[name] ?? [];
}

/** Waits until `name` has `count` running instances and returns them. */
export async function waitForRunning(app: TestApp, name: string, count: number, timeoutMs = 10000): Promise<InstanceJson[]> {
  return waitFor(
    async () => {
      const running = instancesOf(await status(app), name).filter((i) => i.status === 'running');
      return running.length === count ? running : undefined;
    },
    timeoutMs,
    `${count} running instance(s) of ${name}`,
  );
}

export async function stopAll(app: TestApp): Promise<void> {
  const result = await cli(app, ['stop', '-s', '--wait']);
  assert.equal(result.code, 0, `stop failed:\n${result.stdout}\n${result.stderr}`);
}

export function waitForDeath(pid: number, timeoutMs = 10000): Promise<boolean> {
  return waitFor(() => !isAlive(pid), timeoutMs, `pid ${pid} to die`);
}

/** Live (non-zombie) processes whose command line contains `marker`. */
export function liveWith(marker: string): number[] {
  const found: number[] = [];
  const checked = new Set<string>();
  // A scan of /proc takes milliseconds under load: a process started after the listing was
  // read, while one in the listing exits, would make one sample miss both. The listing is read
  // again at the end, and what appeared meanwhile is checked too.
  for (let pass = 0; pass < 2; pass += 1) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || checked.has(entry)) continue;
      checked.add(entry);
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
        if (cmdline.includes(marker) && isAlive(Number(entry))) found.push(Number(entry));
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return found;
}

/** Runs `action` while counting, every 5 ms, the live processes whose command line has `marker`. */
export async function fewestAlive(marker: string, action: () => Promise<unknown>): Promise<{ fewest: number; samples: number }> {
  let fewest = Number.POSITIVE_INFINITY;
  let samples = 0;
  let running = true;
  const poller = (async () => {
    while (running) {
      fewest = Math.min(fewest, liveWith(marker).length);
      samples += 1;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    await action();
  } finally {
    running = false;
    await poller;
  }
  return { fewest, samples };
}
