// What the CLI accepts back from the control socket. A reply is checked against the shape of
// its command before anything uses it, and no string in it may reach a terminal with control
// characters (escape sequences, OSC titles, bells, carriage returns) still active.
import * as v from 'valibot';
import type { CommandName, Replies } from './protocol.js';
import { printable } from '../printable-text.js';

export { printable };

/** Absent and null both mean "none" (Procodile 2 leaves some of these out). */
const orNull = <T extends v.GenericSchema>(schema: T) => v.optional(v.nullable(schema), null);

const instance = v.looseObject({
  description: v.string(),
  pid: orNull(v.number()),
  respawns: v.number(),
  status: v.string(),
  started_at: orNull(v.number()),
  tag: orNull(v.string()),
  port: orNull(v.number()),
  foreground: v.optional(v.boolean(), false),
  forced: v.optional(v.boolean()),
  last_exit_status: orNull(v.number()),
  last_exit_signal: orNull(v.string()),
  last_exit_at: orNull(v.number()),
  next_attempt_at: orNull(v.number()),
});
const instances = v.array(instance);

const processJson = v.looseObject({
  name: v.string(),
  schedule: v.optional(v.string()),
  last_started_at: v.optional(v.number()),
  last_finished_at: v.optional(v.number()),
  last_exit_status: v.optional(v.nullable(v.number())),
  last_run_duration: v.optional(v.number()),
  random_delay: v.optional(v.number(), 0),
  log_color: v.optional(v.string(), ''),
  quantity: v.number(),
  max_respawns: v.number(),
  respawn_window: v.number(),
  command: v.string(),
  restart_mode: v.string(),
  log_path: v.string(),
  removed: v.optional(v.boolean(), false),
  proxy_port: v.optional(v.number()),
  proxy_address: v.optional(v.string()),
  stop_timeout: v.optional(v.number()),
  restart: v.optional(v.string()),
  min_uptime: v.optional(v.number()),
  max_backoff: v.optional(v.number()),
});

const status = v.looseObject({
  version: v.string(),
  messages: v.array(
    v.looseObject({
      type: v.string(),
      process: v.optional(v.string()),
      current: v.optional(v.number()),
      desired: v.optional(v.number()),
      instance: v.optional(v.string()),
      status: v.optional(v.string()),
    }),
  ),
  root: v.string(),
  app_name: v.string(),
  supervisor: v.looseObject({ started_at: orNull(v.number()), pid: v.number(), proxy_enabled: v.boolean() }),
  instances: v.record(v.string(), instances),
  processes: v.array(processJson),
  runtime_issues: v.array(v.looseObject({ key: v.string(), type: v.string(), process_name: v.string(), message: v.string() })),
  environment_variables: v.record(v.string(), v.string()),
  procfile_path: v.string(),
  options_path: v.string(),
  local_options_path: v.string(),
  sock_path: v.string(),
  supervisor_pid_path: v.string(),
  pid_root: v.string(),
  log_root: v.optional(v.string()),
  loaded_at: v.number(),
});

const supervisor = v.looseObject({ started_at: orNull(v.number()), pid: v.number(), proxy_enabled: v.boolean() });

const REPLY_SCHEMAS = {
  status,
  identify: v.looseObject({ version: v.string(), root: v.string(), app_name: v.string(), pid_root: v.string(), supervisor }),
  reload_config: v.looseObject({
    ok: v.literal(true),
    changes: v.optional(
      v.array(
        v.looseObject({
          kind: v.string(),
          name: v.optional(v.string()),
          running: v.optional(v.number()),
          options: v.optional(v.array(v.string())),
        }),
      ),
    ),
  }),
  start_processes: v.looseObject({ started_instances: instances }),
  stop: v.looseObject({ stopped_instances: instances }),
  restart: v.looseObject({
    changes: v.array(v.looseObject({ previous_instance: orNull(instance), current_instance: orNull(instance) })),
    warnings: v.optional(v.array(v.string())),
  }),
  check_concurrency: v.looseObject({ started_instances: instances, stopped_instances: instances }),
} satisfies Record<CommandName, v.GenericSchema>;

export type ReplyCheck<C extends CommandName> = { ok: true; value: Replies[C] } | { ok: false; problem: string };

/** Checks a parsed reply; `problem` says where it differs, for the error message. */
export function checkReply<C extends CommandName>(command: C, value: unknown): ReplyCheck<C> {
  const parsed = v.safeParse(REPLY_SCHEMAS[command], value, { abortEarly: true });
  if (parsed.success) return { ok: true, value: parsed.output as Replies[C] };
  const issue = parsed.issues[0];
  const where = issue.path?.map((item) => String(item.key)).join('.') ?? '';
  return { ok: false, problem: `${where === '' ? 'the reply' : `'${printable(where)}'`}: ${printable(issue.message)}` };
}


/** The same for every string (keys included) in a reply. */
export function printableReply<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => printableReply(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // defineProperty: a key named __proto__ stays a plain key.
    Object.defineProperty(copy, printable(key), { value: printableReply(item), enumerable: true, writable: true, configurable: true });
  }
  return copy as T;
}

/**
 * JSON text for a terminal or a pipe: JSON.stringify already escapes C0 controls; DEL and the
 * C1 controls are escaped the same way, so the JSON means the same and shows nothing active.
 */
export function printableJson(json: string): string {
  return json.replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
