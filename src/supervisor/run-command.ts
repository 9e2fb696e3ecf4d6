// Runs a short command to its end in its own process group, with a time limit: the `ready:
// command:` check and `release_command:`. Its output is kept (bounded) so a failure can say why.
import { spawn } from 'node:child_process';
import { signalGroup } from '../proc/process-group.js';

export interface CommandResult {
  /** Exit status; null when it died of a signal or could not be started. */
  status: number | null;
  /** What it printed (stdout and stderr, the last 8 KiB), or why it could not run. */
  output: string;
  timedOut: boolean;
}

export interface CommandSpec {
  command: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
}

export type CommandRunner = (spec: CommandSpec) => Promise<CommandResult>;

const OUTPUT_LIMIT = 8 * 1024;

export const runCommand: CommandRunner = (spec) =>
  new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const child = spawn('/bin/sh', ['-c', spec.command], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // Whatever it started goes too: nothing of a check may outlive its time.
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    }, spec.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, output: error.message, timedOut });
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      resolve({ status, output, timedOut });
    });
  });
