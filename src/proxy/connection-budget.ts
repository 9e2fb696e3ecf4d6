// How many client connections the TCP proxy holds at once, across all its listeners. Each
// costs two descriptors (client and instance). Without a bound, a flood of connections from
// the network would take every descriptor the supervisor has, and with them its control
// socket, its log streams and every respawn (README, "The TCP proxy").
import { openFilesLimit } from '../proc/descriptor-limit.js';

/** The most connections the proxy holds at once, whatever the descriptor limit allows. */
export const PROXY_MAX_CONNECTIONS = 10_000;

/** At most one "refused" line per this long in procodile.log, however hard the flood. */
const REFUSED_LOG_INTERVAL_MS = 60_000;

/**
 * A quarter of the descriptor limit, at least 128, is kept for the rest of the supervisor.
 * However high the limit, memory (about 10 KB per idle pair, more while data waits) caps it
 * at PROXY_MAX_CONNECTIONS.
 */
export function proxyConnectionLimit(openFiles: number | undefined): number {
  if (openFiles === undefined) return PROXY_MAX_CONNECTIONS;
  const reserve = Math.max(128, Math.floor(openFiles / 4));
  return Math.min(PROXY_MAX_CONNECTIONS, Math.max(1, Math.floor((openFiles - reserve) / 2)));
}

export class ConnectionBudget {
  readonly #max: number;
  #taken = 0;
  #refused = 0;
  #refusedReportedAt = Number.NEGATIVE_INFINITY;

  /** `openFiles`: the descriptor limit to share (default: this process's). */
  constructor(openFiles: number | undefined = openFilesLimit()) {
    this.#max = proxyConnectionLimit(openFiles);
  }

  /** Takes a slot; false when none is left. */
  take(): boolean {
    if (this.#taken >= this.#max) return false;
    this.#taken += 1;
    return true;
  }

  give(): void {
    this.#taken -= 1;
  }

  /** Counts a refusal; the line to log for `name` at most once per interval, else undefined. */
  refused(name: string, now: number): string | undefined {
    this.#refused += 1;
    if (now - this.#refusedReportedAt < REFUSED_LOG_INTERVAL_MS) return undefined;
    this.#refusedReportedAt = now;
    const count = this.#refused;
    this.#refused = 0;
    return `Refused ${count} connection(s) to ${name}: ${this.#max} are open, the most this supervisor's descriptor limit allows`;
  }
}
