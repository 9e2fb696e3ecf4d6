// Starts the OS process for an instance: its own process group (D3), output to its log file
// through the application's log writer (which rotates it and outlives the supervisor, D5;
// README.md, "Logs"), straight to the file when rotation is off, or to a pipe in the foreground.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import type { AppConfig, ProcessDefinition } from '../config/types.js';
import { DEFAULT_LOG_ROTATION } from '../config/types.js';
import { instanceLogPath } from '../logging/log-files.js';
import { openLogStream, type LogStreamRequest } from '../logging/log-stream.js';
import { logWriterSocketPath } from '../logging/log-writer-paths.js';
import { openForAppend } from '../runtime/safe-files.js';
import { ensureRuntimeDirectory } from '../runtime/trusted-directories.js';
import { toInvocation } from './command-line.js';

/** `writer`: through the log writer, which rotates the file; without it, appended directly. */
export type OutputTarget = { kind: 'file'; path: string; writer?: LogStreamRequest } | { kind: 'pipe' };

/** Where an instance's output goes in the background. */
export function logTarget(app: AppConfig, definition: ProcessDefinition, instanceId: number): OutputTarget & { kind: 'file' } {
  const path = instanceLogPath(definition, instanceId);
  const rotation = definition.logRotation ?? DEFAULT_LOG_ROTATION;
  // log_keep: 0 keeps today's plain file, which an outside logrotate can handle.
  if (rotation.keep === 0) return { kind: 'file', path };
  return { kind: 'file', path, writer: { socketPath: logWriterSocketPath(app.pidRoot), path, rotation, writerLogPath: app.logPath } };
}

export interface SpawnSpec {
  command: string;
  cwd: string;
  env: Record<string, string>;
  output: OutputTarget;
  /** Told when output cannot go where it should but the instance starts anyway. */
  onNotice?: (message: string) => void;
  /** Always through /bin/sh -c, whatever the command looks like (hooks). */
  shell?: boolean;
}

export type SpawnOutcome = { ok: true; child: ChildProcess; pid: number } | { ok: false; message: string };

function describeSpawnError(error: NodeJS.ErrnoException, file: string): string {
  if (error.code === 'ENOENT') {
    return `Error executing process: '${file}' was not found (check the command, PATH, or the working directory)`;
  }
  if (error.code === 'EACCES') return `Error executing process: '${file}' is not executable (permission denied)`;
  return `Error executing process: ${error.message}`;
}

export async function spawnProcess(spec: SpawnSpec): Promise<SpawnOutcome> {
  const invocation = spec.shell === true ? { file: '/bin/sh', args: ['-c', spec.command] } : toInvocation(spec.command);
  let fd: number | undefined;
  if (spec.output.kind === 'file') {
    try {
      ensureRuntimeDirectory({ path: dirname(spec.output.path), setting: 'log_path or log_root' });
      fd = openForAppend(spec.output.path);
    } catch (error) {
      return { ok: false, message: `Cannot open log file ${spec.output.path}: ${(error as Error).message}` };
    }
  }
  let stream: Socket | undefined;
  if (fd !== undefined && spec.output.kind === 'file' && spec.output.writer !== undefined) {
    // The file was opened above only to refuse an unsafe path the way a direct log is refused.
    // Instances start one after another: the next one's connection is made meanwhile.
    const opened = await openLogStream(spec.output.writer, { moreToCome: true });
    if (opened.ok) {
      closeSync(fd);
      fd = undefined;
      stream = opened.stream;
    } else {
      spec.onNotice?.(`Log rotation is off for this instance: ${opened.message}; appending to ${spec.output.path} directly`);
    }
  }
  const out: 'pipe' | number | Socket = stream ?? fd ?? 'pipe';
  const stdio: ('ignore' | 'pipe' | number | Socket)[] = ['ignore', out, out];
  let child: ChildProcess;
  try {
    child = spawn(invocation.file, invocation.args, { cwd: spec.cwd, env: spec.env, stdio, detached: true });
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    stream?.destroy();
    return { ok: false, message: describeSpawnError(error as NodeJS.ErrnoException, invocation.file) };
  }
  // The child holds its own copy of the log descriptor or stream; ours would only leak (and,
  // for the stream, keep the writer's connection open after the child has gone).
  if (fd !== undefined) closeSync(fd);
  stream?.destroy();
  return new Promise((resolve) => {
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid === undefined) resolve({ ok: false, message: 'Error executing process: no pid was assigned' });
      else resolve({ ok: true, child, pid });
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) resolve({ ok: false, message: describeSpawnError(error, invocation.file) });
    });
  });
}
