// Test rig: a throw-away application directory, the built CLI, waits with deadlines, and
// cleanup of every process a test started.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, listGroupMembers } from '../../src/proc/liveness.js';
import { afterEach } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
/** build/test/helpers -> repo root */
export const REPO_ROOT = resolve(here, '..', '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'procodile.cjs');

export interface TestApp {
  root: string;
  write(files: Record<string, string>): void;
  path(...parts: string[]): string;
  read(rel: string): string;
  /** Live processes working in this app's directory (the supervisor and its instances). */
  leftovers(): Promise<number[]>;
  /** Kills whatever this app's supervisor or instances left, deletes it, and fails if anything was left. */
  cleanup(): Promise<void>;
}

/** Short paths: unix socket paths are limited to ~107 bytes. */
export function makeApp(files: Record<string, string> = {}): TestApp {
  const root = mkdtempSync('/tmp/pc-');
  const app: TestApp = {
    root,
    write(more) {
      for (const [name, content] of Object.entries(more)) {
        const full = join(root, name);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content, { mode: name.endsWith('.sh') ? 0o755 : 0o644 });
      }
    },
    path: (...parts) => join(root, ...parts),
    read: (rel) => readFileSync(join(root, rel), 'utf8'),
    leftovers: () => liveProcessesIn(root),
    async cleanup() {
      const killed = await killLeftovers(root);
      rmSync(root, { recursive: true, force: true });
      // Every test stops what it started (stop -s --wait, kill, or by pid): anything found
      // here is a process procodile failed to stop, and fails the test (D3).
      if (killed.length > 0) throw new Error(`processes were left behind in ${root}: ${killed.map(describe).join(', ')}`);
    },
  };
  app.write(files);
  return app;
}

const described = new Map<number, string>();

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '?';
  }
}

function describe(pid: number): string {
  return `${pid} (${described.get(pid) ?? '?'})`;
}

/** Live (non-zombie) processes whose working directory is `root` or below it. */
export async function liveProcessesIn(root: string): Promise<number[]> {
  const { readlinkSync } = await import('node:fs');
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if ((cwd === root || cwd.startsWith(root + '/')) && Number(entry) !== process.pid && isAlive(Number(entry))) {
        found.push(Number(entry));
      }
    } catch {
      // Gone, or not ours to inspect.
    }
  }
  return found;
}

/** Finds every process whose cwd or pid file points into `root`, and SIGKILLs its group. */
export async function killLeftovers(root: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const dir of [join(root, 'pids')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.pid')) continue;
      const pid = Number(readFileSync(join(dir, f), 'utf8').trim());
      if (pid > 1) pids.add(pid);
    }
  }
  for (const pid of await liveProcessesIn(root)) pids.add(pid);
  const killed: number[] = [];
  for (const pid of pids) {
    if (pid === process.pid || !isAlive(pid)) continue;
    killed.push(pid);
    described.set(pid, commandLine(pid));
    for (const target of [pid, ...listGroupMembers(pid)]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  await waitFor(() => killed.every((p) => !isAlive(p)), 5000, 'leftover processes to die');
  return killed;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

/** Runs the built CLI to completion. */
export function runCli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnCli(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`procodile ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Starts the built CLI and returns the live child (for foreground supervisors). */
export function spawnCli(args: string[], opts: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--', CLI, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await check();
    if (last !== undefined && last !== false) return last;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Collects a child's output and lets a test wait for a pattern in it. */
export class OutputWatcher {
  text = '';
  constructor(child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.text += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.text += d.toString()));
  }
  waitFor(pattern: RegExp | string, timeoutMs = 10000): Promise<boolean> {
    const test = () => (typeof pattern === 'string' ? this.text.includes(pattern) : pattern.test(this.text));
    return waitFor(test, timeoutMs, `output matching ${String(pattern)}; got:\n${this.text}`);
  }
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An app factory for one test file: every app it makes is cleaned up (its processes stopped,
 * its directory removed) after each test, whatever the test's outcome.
 */
export function appsCleanedAfterEach(): (files?: Record<string, string>) => TestApp {
  let apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.cleanup()));
    apps = [];
  });
  return (files = {}) => {
    const created = makeApp(files);
    apps.push(created);
    return created;
  };
}
