// After a command, the supervisor's runtime issues are shown so a failure never goes by
// unnoticed (as in Procodile).
import type { AppConfig } from '../config/types.js';
import { sendRequest } from '../control/client.js';
import type { StatusReply } from '../control/protocol.js';
import type { Terminal } from './terminal.js';

const RETRY_EVERY_MS = 100;

/** Fetches status, retrying for `waitMs`; undefined when the supervisor cannot be reached. */
export async function fetchStatus(config: AppConfig, waitMs: number): Promise<StatusReply | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await sendRequest(config, 'status', {});
    } catch {
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, RETRY_EVERY_MS));
    }
  }
}

export function renderIssues(status: StatusReply, term: Terminal): void {
  if (status.runtime_issues.length === 0) return;
  const red = term.errColor.red;
  const lines = ['Active issues:', ...status.runtime_issues.map((i) => ` - ${i.message}`), ''];
  // Only a program that was not found can be a PATH or shell start-up problem.
  if (status.runtime_issues.some((i) => i.message.includes('was not found'))) {
    lines.push('A command that needs your login shell (rbenv, nvm, PATH set in a profile) can be wrapped: bash -lc "...".', '');
  }
  term.err(red(lines.join('\n')));
}

export async function reportIssues(config: AppConfig, term: Terminal, waitMs: number): Promise<void> {
  const status = await fetchStatus(config, waitMs);
  if (status !== undefined) renderIssues(status, term);
}
