// The control socket's language, compatible with Procodile 2 (spec 10): one request line
// `command {json}`, one reply line `CODE payload`. Requests are validated here, before any
// of them reaches the supervisor (D11).

export const MAX_REQUEST_BYTES = 64 * 1024;

export interface InstanceJson {
  description: string;
  pid: number | null;
  respawns: number;
  status: 'unknown' | 'stopped' | 'stopping' | 'running' | 'failed';
  started_at: number | null;
  tag: string | null;
  port: number | null;
  foreground: boolean;
  /** procodile addition: whether the last stop needed SIGKILL. */
  forced?: boolean;
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

/** procodile addition: one thing a reload changed (spec 7.4). */
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
  /** `report_changes` (procodile addition) asks for the `changes` of the reply. */
  reload_config: { report_changes?: boolean };
  start_processes: { process_names?: string[]; tag?: string; port_allocations?: Record<string, number> };
  stop: { process_names?: string[]; stop_supervisor?: boolean };
  restart: { process_names?: string[]; tag?: string };
  check_concurrency: { reload?: boolean };
}

export interface Replies {
  status: StatusReply;
  reload_config: { ok: true; changes?: ReloadChangeJson[] };
  start_processes: { started_instances: InstanceJson[] };
  stop: { stopped_instances: InstanceJson[] };
  /** `warnings` is a procodile addition: what the user should know about the changes. */
  restart: { changes: RestartChange[]; warnings?: string[] };
  check_concurrency: { started_instances: InstanceJson[]; stopped_instances: InstanceJson[] };
}

export type CommandName = keyof Requests;

export const COMMANDS: readonly CommandName[] = [
  'status',
  'reload_config',
  'start_processes',
  'stop',
  'restart',
  'check_concurrency',
];

export type ParsedRequest =
  | { ok: true; command: CommandName; options: Requests[CommandName] }
  | { ok: false; code: 400 | 404; message: string };

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0 && v.length < 256);
}

function checkOptions(command: CommandName, body: Record<string, unknown>): string | undefined {
  const expect: Record<string, (v: unknown) => boolean> = {
    process_names: isStringArray,
    tag: (v) => typeof v === 'string' && v.length < 256,
    port_allocations: (v) =>
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      Object.values(v).every((p) => Number.isInteger(p) && (p as number) >= 0 && (p as number) < 65536),
    reload: (v) => typeof v === 'boolean',
    report_changes: (v) => typeof v === 'boolean',
    stop_supervisor: (v) => typeof v === 'boolean',
  };
  for (const [key, value] of Object.entries(body)) {
    if (value === null) continue;
    const check = expect[key];
    if (check === undefined) return `Unknown field '${key}' for ${command}`;
    if (!check(value)) return `Invalid value for '${key}'`;
  }
  return undefined;
}

/** Parses and validates one request line (without its newline). */
export function parseRequest(line: string): ParsedRequest {
  const space = line.indexOf(' ');
  const command = space === -1 ? line : line.slice(0, space);
  if (!(COMMANDS as readonly string[]).includes(command)) return { ok: false, code: 404, message: 'Invalid command' };
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
  const problem = checkOptions(command as CommandName, body as Record<string, unknown>);
  if (problem !== undefined) return { ok: false, code: 400, message: problem };
  return { ok: true, command: command as CommandName, options: body as Requests[CommandName] };
}

export function encodeRequest<C extends CommandName>(command: C, options: Requests[C]): string {
  return `${command} ${JSON.stringify(options)}\n`;
}
