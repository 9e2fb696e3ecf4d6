// The control socket's language, compatible with Procodile 2 (Procodile 10): one request line
// `command {json}`, one reply line `CODE payload`. Requests are validated here, before any
// of them reaches the supervisor (D11).
import * as v from 'valibot';

export const MAX_REQUEST_BYTES = 64 * 1024;

export interface InstanceJson {
  description: string;
  pid: number | null;
  respawns: number;
  status: 'unknown' | 'stopped' | 'stopping' | 'starting' | 'running' | 'failed' | 'backoff' | 'completed';
  started_at: number | null;
  /** procodile addition: unix seconds of when it passed its ready check (its start without `ready:`). */
  ready_at?: number | null;
  /** procodile addition: seconds from its start to ready. */
  ready_seconds?: number | null;
  tag: string | null;
  port: number | null;
  foreground: boolean;
  /** procodile addition: whether the last stop needed SIGKILL. */
  forced?: boolean;
  /** procodile additions, from the last sample of the instance's process group (null: not sampled yet). */
  cpu_percent?: number | null;
  rss_bytes?: number | null;
  /** Seconds since this run started; null when it is not running. */
  uptime?: number | null;
  /** procodile additions: how the last run ended (status or signal) and when (unix seconds). */
  last_exit_status?: number | null;
  last_exit_signal?: string | null;
  last_exit_at?: number | null;
  /** procodile addition: in backoff, when the next start is due (unix seconds). */
  next_attempt_at?: number | null;
}

export interface ProcessJson {
  name: string;
  schedule?: string;
  last_started_at?: number;
  last_finished_at?: number;
  last_exit_status?: number | null;
  last_run_duration?: number;
  random_delay: number;
  log_color: string;
  quantity: number;
  max_respawns: number;
  respawn_window: number;
  command: string;
  restart_mode: string;
  log_path: string;
  removed: boolean;
  proxy_port?: number;
  proxy_address?: string;
  /** procodile addition (D3). */
  stop_timeout: number;
  /** procodile additions: restart policy and backoff (README.md, "When a process keeps crashing"). */
  restart?: string;
  min_uptime?: number;
  max_backoff?: number;
}

export interface StatusMessage {
  type: 'not_running' | 'incorrect_quantity' | 'removed_but_running';
  process?: string;
  current?: number;
  desired?: number;
  instance?: string;
  status?: string;
}

export interface RuntimeIssueJson {
  key: string;
  type: string;
  process_name: string;
  message: string;
}

export interface StatusReply {
  version: string;
  messages: StatusMessage[];
  root: string;
  app_name: string;
  supervisor: { started_at: number | null; pid: number; proxy_enabled: boolean };
  instances: Record<string, InstanceJson[]>;
  processes: ProcessJson[];
  runtime_issues: RuntimeIssueJson[];
  environment_variables: Record<string, string>;
  procfile_path: string;
  options_path: string;
  local_options_path: string;
  sock_path: string;
  supervisor_pid_path: string;
  pid_root: string;
  log_root?: string;
  loaded_at: number;
}

/**
 * procodile addition: who the supervisor is, without its processes. Every CLI command asks
 * this before acting, to make sure the supervisor serves its own application root; the full
 * status of a large application is megabytes.
 */
export interface IdentifyReply {
  version: string;
  root: string;
  app_name: string;
  pid_root: string;
  supervisor: { started_at: number | null; pid: number; proxy_enabled: boolean };
}

/** One thing a reload changed (Procodile reports these too). */
export interface ReloadChangeJson {
  kind: 'added' | 'removed' | 'command-changed' | 'options-changed' | 'env-changed';
  /** The process; absent for the global env. */
  name?: string;
  /** removed: instances still running; changed: instances running with the old settings. */
  running?: number;
  /** options-changed: the option names (as in Procfile.options) that differ. */
  options?: string[];
}

export interface RestartChange {
  previous_instance: InstanceJson | null;
  current_instance: InstanceJson | null;
}

export interface Requests {
  status: Record<string, never>;
  /** procodile addition; an older supervisor answers `404 Invalid command`. */
  identify: Record<string, never>;
  /** `report_changes` (procodile addition) asks for the `changes` of the reply. */
  reload_config: { report_changes?: boolean };
  /** `wait` (procodile addition): reply once every started instance is ready. */
  start_processes: { process_names?: string[]; tag?: string; port_allocations?: Record<string, number>; wait?: boolean };
  stop: { process_names?: string[]; stop_supervisor?: boolean };
  /** `wait` (procodile addition): reply once every new instance is ready. */
  restart: { process_names?: string[]; tag?: string; wait?: boolean };
  check_concurrency: { reload?: boolean };
}

export interface Replies {
  status: StatusReply;
  identify: IdentifyReply;
  reload_config: { ok: true; changes?: ReloadChangeJson[] };
  /**
   * `errors` (procodile addition): a failed release_command, instances that did not become
   * ready; `release_output`: the failed release_command's output, a line each.
   */
  start_processes: { started_instances: InstanceJson[]; errors?: string[]; release_output?: string[] };
  stop: { stopped_instances: InstanceJson[] };
  /**
   * `warnings` is a procodile addition: what the user should know about the changes; `errors`
   * (also ours): why the restart did not complete (the command then exits non-zero).
   */
  restart: { changes: RestartChange[]; warnings?: string[]; errors?: string[]; release_output?: string[] };
  check_concurrency: { started_instances: InstanceJson[]; stopped_instances: InstanceJson[] };
}

export type CommandName = keyof Requests;


/** One valid request: the command and its options, narrowed together by `command`. */
export type Request = { [C in CommandName]: { command: C; options: Requests[C] } }[CommandName];

export type ParsedRequest = ({ ok: true } & Request) | { ok: false; code: 400 | 404; message: string };

const MAX_NAMES = 1000;
const MAX_TEXT = 255;

const name = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TEXT));
const processNames = v.nullish(v.pipe(v.array(name), v.maxLength(MAX_NAMES)));
const tag = v.nullish(v.pipe(v.string(), v.maxLength(MAX_TEXT)));
const flag = v.nullish(v.boolean());
const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));

/**
 * One schema per command, on own properties only: a field another command takes, or one a
 * plain object inherits (`__proto__`, `constructor`, `toString`), is an unknown field here.
 * Null stands for "not given", as Procodile 2 clients send it.
 */
const REQUEST_SCHEMAS = {
  status: v.strictObject({}),
  identify: v.strictObject({}),
  reload_config: v.strictObject({ report_changes: flag }),
  start_processes: v.strictObject({
    process_names: processNames,
    tag,
    port_allocations: v.nullish(v.pipe(v.record(name, port), v.maxEntries(MAX_NAMES))),
    wait: flag,
  }),
  stop: v.strictObject({ process_names: processNames, stop_supervisor: flag }),
  restart: v.strictObject({ process_names: processNames, tag, wait: flag }),
  check_concurrency: v.strictObject({ reload: flag }),
} satisfies Record<CommandName, v.GenericSchema>;

/** The first problem, naming the field, in one line a client can show as it is. */
function describeIssue(command: CommandName, issue: v.BaseIssue<unknown>): string {
  const field = issue.path?.[0]?.key;
  if (typeof field !== 'string') return `The request body for ${command} must be a JSON object`;
  if (issue.type === 'strict_object' && issue.path?.length === 1) return `Unknown field '${field}' for ${command}`;
  const expected = issue.expected === null ? '' : `: expected ${issue.expected}`;
  return `Invalid value for '${field}'${expected}`;
}

/** Copies the fields given (not null), so nothing downstream sees a null or a prototype. */
function givenFields(value: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== null && field !== undefined) options[key] = field;
  }
  return options;
}

function isCommand(command: string): command is CommandName {
  return Object.prototype.hasOwnProperty.call(REQUEST_SCHEMAS, command);
}

/** Parses and validates one request line (without its newline). Never throws. */
export function parseRequest(line: string): ParsedRequest {
  const space = line.indexOf(' ');
  const command = space === -1 ? line : line.slice(0, space);
  if (!isCommand(command)) return { ok: false, code: 404, message: 'Invalid command' };
  if (space === -1) return { ok: false, code: 400, message: 'A request is `command {json}`' };
  let body: unknown;
  try {
    body = JSON.parse(line.slice(space + 1));
  } catch {
    return { ok: false, code: 400, message: 'The request body is not valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, code: 400, message: 'The request body must be a JSON object' };
  }
  const parsed = v.safeParse(REQUEST_SCHEMAS[command], body, { abortEarly: true });
  if (!parsed.success) return { ok: false, code: 400, message: describeIssue(command, parsed.issues[0]) };
  return { ok: true, command, options: givenFields(parsed.output) } as ParsedRequest;
}

export function encodeRequest<C extends CommandName>(command: C, options: Requests[C]): string {
  return `${command} ${JSON.stringify(options)}\n`;
}
