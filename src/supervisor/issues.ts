// Runtime issues: problems the supervisor keeps reporting until they are resolved (Procodile 9).

export type IssueType =
  | 'process_failed_permanently'
  | 'scheduled_run_failed'
  | 'invalid_schedule'
  | 'scheduled_run_skipped_repeatedly'
  /** procodile addition (D7): a proxy listener could not be opened. */
  | 'proxy_listener_failed'
  /** procodile addition: a process left an instance's group (setsid) and outlived its stop. */
  | 'escaped_process'
  /** procodile addition: a new instance did not pass its ready check in time and was stopped. */
  | 'instance_not_ready'
  /** procodile addition: release_command failed, so nothing was started or restarted. */
  | 'release_failed'
  /** procodile addition: an instance stayed above its max_memory and was restarted. */
  | 'memory_limit_exceeded'
  /** procodile addition: metrics_address could not be listened on (its process name is `metrics_address`). */
  | 'metrics_listener_failed';

export interface RuntimeIssue {
  key: string;
  type: IssueType;
  process_name: string;
  message: string;
}

export class IssueTracker {
  readonly #issues = new Map<string, RuntimeIssue>();

  report(type: IssueType, processName: string, message: string): void {
    const key = `${type}:${processName}`;
    this.#issues.set(key, { key, type, process_name: processName, message });
  }

  resolve(type: IssueType, processName: string): void {
    this.#issues.delete(`${type}:${processName}`);
  }

  clearProcess(processName: string): void {
    for (const [key, issue] of this.#issues) if (issue.process_name === processName) this.#issues.delete(key);
  }

  has(type: IssueType, processName: string): boolean {
    return this.#issues.has(`${type}:${processName}`);
  }

  list(): RuntimeIssue[] {
    return [...this.#issues.values()].sort((a, b) =>
      a.process_name === b.process_name ? a.type.localeCompare(b.type) : a.process_name.localeCompare(b.process_name),
    );
  }
}
