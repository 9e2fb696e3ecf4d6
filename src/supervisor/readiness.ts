// Readiness: when a new instance may take work (README, "Zero-downtime deploys"). A check
// (`ready:` tcp, http, command, notify or log) is tried every POLL_MS until it passes or
// `ready_timeout` runs out; time comes from the Clock and the checks themselves from
// ReadinessProbes, so the rules run in unit tests without sockets or processes.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import type { ReadyCheck } from '../config/types.js';
import type { Clock, TimerHandle } from './clock.js';
import { createSocketDirectory, findPerl, NotifyReceiver, perlMissing } from './notify-receiver.js';
import { runCommand, type CommandRunner } from './run-command.js';
import { httpModule } from '../on-demand-builtins.js';

const POLL_MS = 250;
/** One attempt of a network check may not take longer than this. */
const ATTEMPT_MS = 2000;
/** A log line longer than this is cut before matching: output is never buffered without bound. */
const MAX_LINE = 64 * 1024;

export type ReadyOutcome = { ready: true; atMs: number } | { ready: false; reason: string };

/** What a check needs to know about the instance it checks. */
export interface ReadyTarget {
  port?: number;
  cwd: string;
  env: Record<string, string>;
  /** The instance's log file; undefined when its output comes through pipes (foreground). */
  logPath?: string;
  /** Where a check may keep files of its own while it runs (the pid directory). */
  runtimeDir?: string;
}

/** What a probe needs done before the instance is spawned: variables to add to its environment. */
export type Prepared = { env: Record<string, string> } | { problem: string };

/** One check of one instance, opened before it is spawned. */
export interface Probe {
  /** One try: true when the check passes now. */
  attempt(): Promise<boolean>;
  /** The instance's output streams, when it has them (foreground). */
  watchOutput(streams: Readable[]): void;
  /** Awaited before the spawn (ready: notify binds its socket there); a problem fails the start. */
  prepare?(): Promise<Prepared>;
  /** Why the check can never pass any more, if so: the watch then ends at once, not at the timeout. */
  broken?(): string | undefined;
  close(): void;
}

export interface ReadinessProbes {
  /** A probe, or why this check cannot work for this instance. */
  open(check: ReadyCheck, target: ReadyTarget): Probe | { problem: string };
}

export function describeCheck(check: ReadyCheck): string {
  switch (check.kind) {
    case 'tcp':
      return 'ready: tcp';
    case 'http':
      return `ready: http ${check.path}`;
    case 'command':
      return `ready: command ${check.command}`;
    case 'notify':
      return 'ready: notify';
    case 'log':
      return `ready: log /${check.pattern}/`;
  }
}

/** Tries a probe until it passes, the timeout runs out, or it is cancelled; settles once. */
export class ReadinessWatch {
  readonly outcome: Promise<ReadyOutcome>;
  #settle!: (outcome: ReadyOutcome) => void;
  #done = false;
  #busy = false;
  readonly #timers: TimerHandle[] = [];

  constructor(
    readonly probe: Probe,
    readonly clock: Clock,
    timeoutMs: number,
    timeoutReason: string,
  ) {
    this.outcome = new Promise((resolve) => (this.#settle = resolve));
    this.#timers.push(clock.setInterval(() => void this.#try(), POLL_MS));
    this.#timers.push(clock.setTimeout(() => this.#finish({ ready: false, reason: timeoutReason }), timeoutMs));
  }

  async #try(): Promise<void> {
    if (this.#busy || this.#done) return;
    const broken = this.probe.broken?.();
    if (broken !== undefined) return this.#finish({ ready: false, reason: broken });
    this.#busy = true;
    let passed = false;
    try {
      passed = await this.probe.attempt();
    } catch {
      passed = false;
    } finally {
      this.#busy = false;
    }
    if (passed) this.#finish({ ready: true, atMs: this.clock.now() });
  }

  cancel(reason: string): void {
    this.#finish({ ready: false, reason });
  }

  #finish(outcome: ReadyOutcome): void {
    if (this.#done) return;
    this.#done = true;
    for (const timer of this.#timers) this.clock.clear(timer);
    this.probe.close();
    this.#settle(outcome);
  }
}

function needsPort(check: ReadyCheck, port: number | undefined): string | undefined {
  if (port !== undefined) return undefined;
  return `${describeCheck(check)} needs the instance's PORT, and it has none: give the process allocate_port_from or proxy_port, or start it with --ports`;
}

function tcpAttempt(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ATTEMPT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function httpAttempt(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpModule().request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: ATTEMPT_MS }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** Matches lines of output as they come, keeping only an unfinished last line between reads. */
class LineMatcher {
  #partial = '';
  matched = false;
  constructor(readonly pattern: RegExp) {}
  feed(text: string): void {
    if (this.matched) return;
    const lines = (this.#partial + text).split('\n');
    this.#partial = (lines.pop() ?? '').slice(-MAX_LINE);
    this.matched = lines.some((line) => this.pattern.test(line.slice(0, MAX_LINE)));
  }
}

/** Reads what the log file gained since the instance was spawned. */
class LogFileTail {
  #offset: number;
  constructor(readonly path: string) {
    this.#offset = fileSize(path);
  }
  read(): string {
    const size = fileSize(this.path);
    // A rotated (truncated) log starts again from its beginning.
    if (size < this.#offset) this.#offset = 0;
    if (size === this.#offset) return '';
    const length = Math.min(size - this.#offset, 1024 * 1024);
    const buffer = Buffer.alloc(length);
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'r');
      const read = readSync(fd, buffer, 0, length, this.#offset);
      this.#offset += read;
      return buffer.subarray(0, read).toString('utf8');
    } catch {
      return '';
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The probe of `ready: notify`: a receiver started before the spawn, passing once READY=1 came. */
function notifyProbe(target: ReadyTarget): Probe | { problem: string } {
  const perl = findPerl(target.env.PATH);
  if (perl === undefined) return { problem: perlMissing(target.env.PATH) };
  let receiver: NotifyReceiver | undefined;
  let closed = false;
  return {
    prepare: async () => {
      let dir: string;
      try {
        dir = createSocketDirectory(target.runtimeDir);
      } catch (error) {
        return { problem: `ready: notify could not make a directory for NOTIFY_SOCKET: ${(error as Error).message}` };
      }
      receiver = new NotifyReceiver(perl, dir, target.cwd);
      const problem = await receiver.bound;
      if (closed) receiver.close();
      if (problem !== undefined) {
        receiver.close();
        return { problem: `ready: notify could not listen: ${problem}` };
      }
      return { env: { NOTIFY_SOCKET: receiver.socketPath } };
    },
    attempt: () => Promise.resolve(receiver?.ready === true),
    broken: () => {
      const problem = receiver?.problem;
      return problem === undefined ? undefined : `could not be checked any more: ${problem}`;
    },
    watchOutput: () => undefined,
    close: () => {
      closed = true;
      receiver?.close();
    },
  };
}

export function systemProbes(run: CommandRunner = runCommand): ReadinessProbes {
  return {
    open(check, target) {
      const idle = { watchOutput: () => undefined, close: () => undefined };
      switch (check.kind) {
        case 'tcp':
        case 'http': {
          const problem = needsPort(check, target.port);
          if (problem !== undefined || target.port === undefined) return { problem: problem ?? '' };
          const port = target.port;
          return { ...idle, attempt: () => (check.kind === 'tcp' ? tcpAttempt(port) : httpAttempt(port, check.path)) };
        }
        case 'command':
          return {
            ...idle,
            attempt: async () => (await run({ command: check.command, cwd: target.cwd, env: target.env, timeoutMs: 10_000 })).status === 0,
          };
        case 'notify':
          return notifyProbe(target);
        case 'log': {
          const matcher = new LineMatcher(new RegExp(check.pattern));
          const tail = target.logPath === undefined ? undefined : new LogFileTail(target.logPath);
          const listeners: { stream: Readable; listener: (chunk: Buffer) => void }[] = [];
          return {
            attempt: () => {
              if (tail !== undefined) matcher.feed(tail.read());
              return Promise.resolve(matcher.matched);
            },
            watchOutput: (streams) => {
              for (const stream of streams) {
                const listener = (chunk: Buffer): void => matcher.feed(chunk.toString('utf8'));
                stream.on('data', listener);
                listeners.push({ stream, listener });
              }
            },
            close: () => {
              for (const { stream, listener } of listeners) stream.off('data', listener);
            },
          };
        }
      }
    },
  };
}
