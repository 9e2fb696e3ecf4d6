// release_command (README, "Zero-downtime deploys"): one command run in the application's
// environment before `start` starts anything and before `restart` touches anything, like a
// release phase. A failure stops the start or restart, with the command's own output.
import type { AppConfig } from '../config/types.js';
import { readEnvFile } from '../config/env-file.js';
import { stripLauncherVariables } from '../proc/env-hygiene.js';
import type { CommandRunner } from './run-command.js';

/** A release (database migrations, say) may take a while, but never forever. */
export const RELEASE_TIMEOUT_S = 600;

export interface ReleaseFailure {
  message: string;
  /** Its output, line by line (the control socket carries one line per string). */
  output: string[];
}

/** Runs the release command; undefined when it succeeded, otherwise what to tell the user. */
export async function runRelease(
  app: AppConfig,
  inherited: NodeJS.ProcessEnv,
  envFilePath: string | undefined,
  run: CommandRunner,
): Promise<ReleaseFailure | undefined> {
  const command = app.releaseCommand;
  if (command === undefined) return undefined;
  let envFile: Record<string, string> = {};
  if (envFilePath !== undefined) {
    const read = readEnvFile(envFilePath);
    if (!read.ok) return { message: `release_command was not run: ${read.error.message}`, output: [] };
    envFile = read.value;
  }
  const env = { ...stripLauncherVariables(inherited), ...app.env, ...envFile, APP_ROOT: app.root };
  const result = await run({ command, cwd: app.root, env, timeoutMs: RELEASE_TIMEOUT_S * 1000 });
  if (result.status === 0) return undefined;
  const how = result.timedOut
    ? `did not finish within ${RELEASE_TIMEOUT_S}s`
    : result.status === null
      ? 'was ended by a signal'
      : `exited with status ${result.status}`;
  const output = result.output.trim();
  return {
    message: `release_command \`${command}\` ${how}${output === '' ? '.' : '; its output:'}`,
    output: output === '' ? [] : output.split('\n'),
  };
}
