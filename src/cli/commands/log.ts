// `procodile log`: the last lines of the supervisor's or a process's log, then (with -f) what
// is appended to it, the way Ruby Procodile's `tail -n N [-f]` did (spec 2.7, Q3, Q4).
import { stat } from 'node:fs/promises';
import { ProcodileError } from '../../errors.js';
import type { AppConfig } from '../../config/types.js';
import { followFile, readLastLines } from '../../logging/tail.js';
import { defineCommand, type CommandContext } from '../define-command.js';

const DEFAULT_LINES = 10;

// Raw output: the log's bytes go out exactly as written, so a last line without a newline is
// not given one and its continuation, once followed, joins it on the same line.
function writeRaw(text: string): void {
  if (text !== '') process.stdout.write(text);
}

const runLog = async (ctx: CommandContext<typeof OPTIONS>): Promise<number> => {
  const lines = parseLineCount(ctx.options.lines);
  const path = logFileOf(ctx.app, ctx.options.process);
  const size = await sizeOf(path);
  // Reading up to the size just measured and following from that same offset means a line
  // written in between is printed exactly once.
  writeRaw(await withReadErrors(path, readLastLines(path, lines, size)));
  if (!ctx.options.follow) return 0;

  const controller = new AbortController();
  const stop = (): void => controller.abort();
  // `log -f | head` closes the pipe; that is the reader saying it has seen enough.
  const onStdoutError = (): void => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.on('error', onStdoutError);
  try {
    await withReadErrors(path, followFile(path, size, writeRaw, controller.signal));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', onStdoutError);
  }
  // Interrupting a follow is how it is meant to end, so it is a success.
  return 0;
};

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

function logFileOf(app: AppConfig, processName: string | true | undefined): string {
  if (processName === undefined) return app.logPath;
  const name = processName === true ? '' : processName;
  const definition = app.processes.find((p) => p.name === name);
  if (definition === undefined) {
    const known = app.processes.map((p) => p.name).join(', ');
    throw new ProcodileError('UNKNOWN_PROCESS', `Invalid process name '${name}' (known processes: ${known})`);
  }
  return definition.logPath;
}

async function sizeOf(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (info.isFile()) return info.size;
  } catch (error) {
    if (!isMissing(error)) throw readError(path, error);
  }
  throw new ProcodileError('NOT_FOUND', `No file found at ${path}`);
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
  { long: 'follow', short: 'f', value: 'none', help: 'Keep printing data appended to the log' },
  { long: 'lines', short: 'n', value: 'required', placeholder: 'LINES', help: 'Number of lines to print (default: 10)' },
  {
    long: 'process',
    short: 'p',
    value: 'required',
    placeholder: 'NAME',
    help: "Show this process's log instead of the supervisor's",
  },
] as const;

export const logCommand = defineCommand({
  name: 'log',
  description: 'Open/stream a Procodile log file',
  options: OPTIONS,
  run: runLog,
});
