// `procodile log`: the last lines of every process log (or of those -p names, and with
// --supervisor of the supervisor log), then with -f everything appended to them, merged into
// one stream prefixed and coloured as in the foreground (README.md, "Logs").
import { stat } from 'node:fs/promises';
import { ProcodileError } from '../../errors.js';
import { linePrefix } from '../../logging/log-line.js';
import { selectSources, sourcesOf, type LogSource } from '../../logging/log-sources.js';
import { followFile, readLastLines } from '../../logging/tail.js';
import type { Colors } from '../../logging/colors.js';
import { defineCommand, type CommandContext } from '../define-command.js';

const DEFAULT_LINES = 10;
/** How often a per-instance process is checked for new instances' logs while following. */
const DISCOVER_MS = 1000;

interface Printer {
  /** Takes text read from `source`; prints each whole line. */
  feed(source: LogSource, text: string): void;
  /** Prints what is left of an unfinished line. */
  finish(source: LogSource): void;
}

function createPrinter(colors: Colors, grep: RegExp | undefined): Printer {
  const partial = new Map<string, string>();
  const print = (source: LogSource, lines: string[]): void => {
    let out = '';
    const prefix = source.prefixed ? '' : linePrefix(source.label, new Date(), { colors, color: source.color });
    for (const line of lines) if (grep === undefined || grep.test(line)) out += `${prefix}${line}\n`;
    if (out !== '') process.stdout.write(out);
  };
  return {
    feed(source, text) {
      const lines = ((partial.get(source.path) ?? '') + text).split('\n');
      partial.set(source.path, lines.pop() ?? '');
      print(source, lines);
    },
    finish(source) {
      const rest = partial.get(source.path) ?? '';
      partial.delete(source.path);
      if (rest !== '') print(source, [rest]);
    },
  };
}

const runLog = async (ctx: CommandContext<typeof OPTIONS>): Promise<number> => {
  const { options } = ctx;
  const lines = parseLineCount(options.lines);
  const grep = parseGrep(options.grep);
  const selection = selectSources(ctx.app, options.process, options.supervisor);
  const printer = createPrinter(ctx.term.color, grep);

  // Reading up to the size just measured and following from that same offset means a line
  // written in between is printed exactly once.
  const sizes = new Map<string, number>();
  for (const source of selection.sources) {
    const size = await sizeOf(source.path);
    if (size === undefined) continue;
    sizes.set(source.path, size);
    printer.feed(source, await withReadErrors(source.path, readLastLines(source.path, lines, size)));
  }
  if (sizes.size === 0 && (!options.follow || selection.sources.length === 1)) {
    const paths = selection.sources.map((s) => s.path);
    throw new ProcodileError('NOT_FOUND', paths.length === 1 ? `No file found at ${paths[0] ?? ''}` : `No log file found (looked for ${paths.join(', ') || 'per-instance logs'})`);
  }
  if (!options.follow) {
    for (const source of selection.sources) printer.finish(source);
    return 0;
  }

  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // `log -f | head` closes the pipe; that is the reader saying it has seen enough.
  process.stdout.on('error', stop);
  const following = new Map<string, Promise<void>>();
  let failure: ProcodileError | undefined;
  const follow = (source: LogSource, from: number): void => {
    if (following.has(source.path)) return;
    const done = followFile(source.path, from, (text) => printer.feed(source, text), controller.signal).catch((error: unknown) => {
      failure ??= readError(source.path, error);
      controller.abort();
    });
    following.set(source.path, done);
  };
  // A file missing now is followed from its start once it appears (followFile waits for it).
  for (const source of selection.sources) follow(source, sizes.get(source.path) ?? 0);
  const discovery = setInterval(() => {
    for (const definition of selection.discover) for (const source of sourcesOf(definition)) follow(source, 0);
  }, DISCOVER_MS);
  try {
    await new Promise<void>((resolve) => {
      if (controller.signal.aborted) resolve();
      else controller.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.all(following.values());
  } finally {
    clearInterval(discovery);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', stop);
  }
  if (failure !== undefined) throw failure;
  // Interrupting a follow is how it is meant to end, so it is a success.
  return 0;
}

function parseLineCount(value: string | true | undefined): number {
  if (value === undefined) return DEFAULT_LINES;
  if (value === true || !/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    const shown = value === true ? '' : value;
    throw new ProcodileError(
      'INVALID_ARGUMENT',
      `Invalid number of lines '${shown}' for -n/--lines: expected a whole number of 0 or more, e.g. -n 50`,
    );
  }
  return Number(value);
}

function parseGrep(value: string | true | undefined): RegExp | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === '') throw new ProcodileError('INVALID_ARGUMENT', 'Give --grep a pattern, e.g. --grep "error|timeout"');
  try {
    return new RegExp(value);
  } catch (error) {
    throw new ProcodileError('INVALID_ARGUMENT', `Invalid --grep pattern '${value}': ${(error as Error).message}`);
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    if (info.isFile()) return info.size;
  } catch (error) {
    if (!isMissing(error)) throw readError(path, error);
  }
  return undefined;
}

async function withReadErrors<T>(path: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw readError(path, error);
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function readError(path: string, error: unknown): ProcodileError {
  if (isMissing(error)) return new ProcodileError('NOT_FOUND', `No file found at ${path}`, { cause: error });
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : error instanceof Error ? error.message : code;
  return new ProcodileError('INVALID_ARGUMENT', `Cannot read ${path}: ${reason ?? 'unknown error'}`, { cause: error });
}

const OPTIONS = [
  { long: 'follow', short: 'f', value: 'none', help: 'Keep printing lines appended to the logs (follows rotations)' },
  { long: 'lines', short: 'n', value: 'required', placeholder: 'LINES', help: 'Number of lines of each log to print first (default: 10)' },
  // `--process` (singular) is Procodile's own spelling for this command.
  {
    long: 'process',
    short: 'p',
    value: 'required',
    placeholder: 'a,b,c',
    help: 'Only these processes or instances (NAME or NAME.N; NAME.N needs log_per_instance)',
  },
  { long: 'supervisor', value: 'none', help: 'Include the supervisor log (procodile.log)' },
  { long: 'grep', value: 'required', placeholder: 'PATTERN', help: 'Only lines matching this regular expression' },
] as const;

export const logCommand = defineCommand({
  name: 'log',
  description: 'Show and follow the process logs, merged and prefixed as in the foreground',
  options: OPTIONS,
  run: runLog,
});
