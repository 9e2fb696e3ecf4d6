// Starts the OS process for an instance: its own process group (D3), output to its log file
// (so it outlives the supervisor, D5) or to a pipe in the foreground.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { openForAppend } from '../runtime/safe-files.js';
import { ensureRuntimeDirectory } from '../runtime/trusted-directories.js';
import { toInvocation } from './command-line.js';

export type OutputTarget = { kind: 'file'; path: string } | { kind: 'pipe' };

export interface SpawnSpec {
  command: string;
  cwd: string;
  env: Record<string, string>;
  output: OutputTarget;
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
  const stdio: ('ignore' | 'pipe' | number)[] = fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd];
  let child: ChildProcess;
  try {
    child = spawn(invocation.file, invocation.args, { cwd: spec.cwd, env: spec.env, stdio, detached: true });
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    return { ok: false, message: describeSpawnError(error as NodeJS.ErrnoException, invocation.file) };
  }
  // The child holds its own copy of the log descriptor; ours would only leak.
  if (fd !== undefined) closeSync(fd);
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
