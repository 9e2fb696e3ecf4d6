// After `start`, a short look at what was started: a process that crash-loops or is given up
// on within the first moments is named, and `start` exits non-zero (README.md, "When a
// process keeps crashing"), instead of leaving the user to find out from `status` later.
import type { AppConfig } from '../config/types.js';
import type { InstanceJson, StatusReply } from '../control/protocol.js';
import { fetchStatus, renderIssues } from './issue-report.js';
import type { Terminal } from './terminal.js';

/** How long `start` watches; most start-up crashes (a missing file, a bad flag) come sooner. */
export const START_SETTLE_MS = 1000;
const POLL_MS = 100;

interface Trouble {
  failedProcesses: string[];
  instances: InstanceJson[];
}

function troubleIn(status: StatusReply, names: readonly string[] | undefined): Trouble {
  const inScope = (name: string): boolean => names === undefined || names.includes(name);
  const failedProcesses = status.runtime_issues
    .filter((i) => i.type === 'process_failed_permanently' && inScope(i.process_name))
    .map((i) => i.process_name);
  const instances = Object.entries(status.instances)
    .filter(([name]) => inScope(name))
    .flatMap(([, list]) => list)
    .filter((i) => i.status === 'failed' || i.status === 'backoff');
  return { failedProcesses, instances };
}

function lastExit(instance: InstanceJson): string {
  const signal = instance.last_exit_signal ?? null;
  const status = instance.last_exit_status ?? null;
  if (signal !== null) return `killed by ${signal}`;
  return status === null ? 'no exit recorded' : `exit status ${status}`;
}

/**
 * Watches the processes `names` (every one when undefined) for START_SETTLE_MS; prints the
 * runtime issues and names every instance seen crash-looping or failed meanwhile (one that
 * came back counts: it was crash-looping). Returns the exit code for `start`.
 */
export async function settleAfterStart(app: AppConfig, term: Terminal, names: readonly string[] | undefined, settleMs = START_SETTLE_MS): Promise<number> {
  const deadline = Date.now() + settleMs;
  let status: StatusReply | undefined;
  const seen = new Map<string, InstanceJson>();
  let failedProcesses: string[] = [];
  for (;;) {
    status = (await fetchStatus(app, 0)) ?? status;
    if (status !== undefined) {
      const now = troubleIn(status, names);
      for (const instance of now.instances) seen.set(instance.description, instance);
      failedProcesses = now.failedProcesses;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (status !== undefined) renderIssues(status, term);
  const trouble: Trouble = { failedProcesses, instances: [...seen.values()] };
  if (trouble.failedProcesses.length === 0 && trouble.instances.length === 0) return 0;
  const red = term.errColor.red;
  for (const instance of trouble.instances) {
    const what = instance.status === 'backoff' ? 'keeps crashing and waits to be respawned' : 'has failed';
    term.err(red(`${instance.description} ${what} (${lastExit(instance)}); see \`procodile status\` and ${app.logPath}`));
  }
  const named = new Set(trouble.instances.map((i) => i.description.replace(/\.\d+$/, '')));
  const others = trouble.failedProcesses.filter((name) => !named.has(name));
  if (others.length > 0) term.err(red(`Failed to start: ${others.join(', ')}`));
  return 1;
}
