// `on_crash:` and `on_failure:` commands (README.md, "When a process keeps crashing"): run
// through /bin/sh -c in their own process group, never awaited, so a slow or hanging hook
// cannot hold up a respawn or a stop. Each instance runs at most one hook at a time, a hook is
// killed with its whole group after its time limit, and its output goes to the supervisor
// log, bounded, each line prefixed with the instance's name. A hook that fires while the
// instance's previous one still runs waits for it; only the latest waiting one is kept (the
// log names the one dropped), so a crash loop never piles hooks up.
import type { Readable } from 'node:stream';
import type { Clock, TimerHandle } from './clock.js';
import { describeExit } from './exit-description.js';
import type { ProcessOps } from './process-ops.js';

export const HOOK_TIMEOUT_MS = 30_000;
/** Lines of one hook's output written to the log; the rest is counted. */
export const HOOK_OUTPUT_LINES = 100;
/** A longer line is cut: a hook without newlines must not grow the supervisor's memory. */
const HOOK_LINE_CHARS = 2000;

export type HookKind = 'on_crash' | 'on_failure';

export interface HookRun {
  /** The instance the hook is about (`web.1`): the log prefix and the one-at-a-time key. */
  instance: string;
  kind: HookKind;
  command: string;
  cwd: string;
  env: Record<string, string>;
}

export interface HookHost {
  ops: ProcessOps;
  clock: Clock;
  log(instance: string, message: string): void;
}

export class HookRunner {
  readonly #host: HookHost;
  readonly #timeoutMs: number;
  readonly #running = new Set<string>();
  /** The hook to run once the instance's current one has ended. */
  readonly #waiting = new Map<string, HookRun>();

  constructor(host: HookHost, timeoutMs = HOOK_TIMEOUT_MS) {
    this.#host = host;
    this.#timeoutMs = timeoutMs;
  }

  /** Instances with a hook running now. */
  get running(): number {
    return this.#running.size;
  }

  /** Starts the hook, or queues it behind the instance's running one, and returns at once. */
  run(hook: HookRun): void {
    if (this.#running.has(hook.instance)) {
      const dropped = this.#waiting.get(hook.instance);
      if (dropped !== undefined) this.#host.log(hook.instance, `${dropped.kind} hook not run: the previous hook of this instance is still running and a newer one waits`);
      this.#waiting.set(hook.instance, hook);
      return;
    }
    this.#running.add(hook.instance);
    void this.#start(hook).catch((error: unknown) => {
      this.#host.log(hook.instance, `${hook.kind} hook could not be run: ${(error as Error).message}`);
      this.#ended(hook.instance);
    });
  }

  #ended(instance: string): void {
    this.#running.delete(instance);
    const next = this.#waiting.get(instance);
    this.#waiting.delete(instance);
    if (next !== undefined) this.run(next);
  }

  async #start(hook: HookRun): Promise<void> {
    const { ops, clock } = this.#host;
    const say = (message: string): void => this.#host.log(hook.instance, `${hook.kind}: ${message}`);
    const outcome = await ops.spawn({ command: hook.command, cwd: hook.cwd, env: hook.env, output: { kind: 'pipe' }, shell: true });
    if (!outcome.ok) {
      say(`could not be run: ${outcome.message}`);
      this.#ended(hook.instance);
      return;
    }
    const { child, pid } = outcome;
    const output = new OutputLines((line) => say(line));
    if (child.stdout) output.read(child.stdout);
    if (child.stderr) output.read(child.stderr);
    let timedOut = false;
    const timer: TimerHandle = clock.setTimeout(() => {
      timedOut = true;
      say(`still running after ${this.#timeoutMs / 1000}s, sending KILL to its process group`);
      if (!ops.signalGroup(pid, 'SIGKILL')) ops.signalPid(pid, 'SIGKILL');
    }, this.#timeoutMs);
    let ended = '';
    child.once('exit', (status: number | null, signal: NodeJS.Signals | null) => {
      clock.clear(timer);
      ended = timedOut ? 'killed at its time limit' : describeExit({ status, signal });
      this.#ended(hook.instance);
    });
    // Said once its output is all in: a line of output never follows this one.
    child.once('close', () => {
      if (output.dropped > 0) say(`${output.dropped} more line(s) of output not logged`);
      say(`finished (${ended})`);
    });
  }
}

/** Splits a hook's output into lines for the log, up to HOOK_OUTPUT_LINES of them. */
class OutputLines {
  readonly #emit: (line: string) => void;
  #lines = 0;
  dropped = 0;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  read(stream: Readable): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = (parts.pop() ?? '').slice(0, HOOK_LINE_CHARS);
      for (const line of parts) this.#line(line);
    });
    stream.on('end', () => {
      if (partial !== '') this.#line(partial);
    });
    // A read error only loses output; the exit event still ends the hook.
    stream.on('error', () => undefined);
  }

  #line(line: string): void {
    if (this.#lines >= HOOK_OUTPUT_LINES) {
      this.dropped += 1;
      return;
    }
    this.#lines += 1;
    this.#emit(line.slice(0, HOOK_LINE_CHARS));
  }
}
