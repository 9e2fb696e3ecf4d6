// Builds the `status` reply from the supervisor's state: field names as Procodile 2 clients
// expect them (README.md, "The control socket"), the messages about wrong quantities and
// removed-but-running processes, and secret env values masked.
import type { ProcessDefinition } from '../config/types.js';
import type { IdentifyReply, InstanceJson, ProcessJson, StatusMessage, StatusReply } from './protocol.js';
import type { Instance } from '../supervisor/instance.js';
import { isLeaving } from '../supervisor/instance-state.js';
import type { ProcessEntry } from '../supervisor/process-table.js';
import type { JobHistory } from '../supervisor/scheduler.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { InstanceUsage } from '../supervisor/sampler.js';

/** What status shows instead of a secret value. */
export const MASK = '********';

/** Names holding these anywhere are secrets: GITHUB_TOKEN, DB_PASSWORD, CLIENTSECRET. */
const SECRET_PARTS = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE/;
/** These only as a whole word of the name: API_KEY and AUTH but not MONKEY or AUTHOR. */
const SECRET_WORDS = new Set(['KEY', 'KEYS', 'APIKEY', 'AUTH', 'DSN', 'PASS', 'SALT']);
/** `scheme://user:password@host...`: the password part of a URL. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/?#\s]+)(@)/i;

function looksSecret(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_PARTS.test(upper) || upper.split(/[^A-Z0-9]+/).some((word) => SECRET_WORDS.has(word));
}

/**
 * The global env as status shows it: values of names that look secret, or that the user
 * listed in `secret_env:`, are masked, and so is the password of any URL (DATABASE_URL).
 */
export function maskedEnv(env: Record<string, string>, secretNames: readonly string[] = []): Record<string, string> {
  const marked = new Set(secretNames);
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const masked = marked.has(name) || looksSecret(name) ? MASK : value.replace(URL_PASSWORD, `$1${MASK}$3`);
    Object.defineProperty(shown, name, { value: masked, enumerable: true, writable: true, configurable: true });
  }
  return shown;
}

/** An instance as the supervisor reports it now: its JSON with the latest usage sample. */
export function supervisorView(
  supervisor: Supervisor,
  instance: Instance,
  definition = supervisor.definitionOf(instance),
  statusOf?: (instance: Instance) => string,
): InstanceJson {
  return instanceJson(instance, definition, supervisor.options.foreground, supervisor.observation.sampler.usage(instance), supervisor.now(), statusOf);
}

export function instanceJson(
  instance: Instance,
  definition: ProcessDefinition | undefined,
  foreground: boolean,
  usage?: InstanceUsage,
  nowMs = Date.now(),
  statusOf: (instance: Instance) => string = (i) => i.status(),
): InstanceJson {
  const now = Math.floor(Date.now() / 1000);
  const startedAt = instance.state.name === 'running' ? instance.startedAt : undefined;
  return {
    description: instance.description,
    pid: instance.pid ?? null,
    respawns: definition === undefined ? instance.respawns : instance.respawnsInWindow(definition.respawnWindow, now),
    status: statusOf(instance).toLowerCase() as InstanceJson['status'],
    started_at: instance.startedAt ?? null,
    tag: instance.tag ?? null,
    port: instance.port ?? null,
    foreground,
    forced: instance.forced,
    ready_at: instance.readyAtMs === undefined ? null : Math.floor(instance.readyAtMs / 1000),
    ready_seconds:
      instance.readyAtMs === undefined || instance.process === undefined
        ? null
        : Math.round((instance.readyAtMs - instance.process.startedAtMs) / 100) / 10,
    cpu_percent: usage?.cpuPercent ?? null,
    rss_bytes: usage?.rssBytes ?? null,
    uptime: startedAt === undefined ? null : Math.max(0, Math.floor(nowMs / 1000) - startedAt),
    last_exit_status: instance.lastExit?.status ?? null,
    last_exit_signal: instance.lastExit?.signal ?? null,
    last_exit_at: instance.lastExit === undefined ? null : Math.floor(instance.lastExit.atMs / 1000),
    next_attempt_at: instance.state.name === 'backoff' ? Math.ceil(instance.state.untilMs / 1000) : null,
  };
}

function processJson(entry: ProcessEntry, history: JobHistory): ProcessJson {
  const d = entry.definition;
  const json: ProcessJson = {
    name: d.name,
    random_delay: d.randomDelay,
    log_color: d.color,
    quantity: d.quantity,
    max_respawns: d.maxRespawns,
    respawn_window: d.respawnWindow,
    command: d.command,
    restart_mode: d.restartMode,
    log_path: d.logPath,
    removed: entry.removed,
    stop_timeout: d.stopTimeout,
    restart: d.restart,
    min_uptime: d.minUptime,
    max_backoff: d.maxBackoff,
  };
  if (d.schedule !== undefined) {
    json.schedule = d.schedule;
    if (history.lastStartedAt !== undefined) json.last_started_at = history.lastStartedAt;
    if (history.lastFinishedAt !== undefined) json.last_finished_at = history.lastFinishedAt;
    if (history.lastExitStatus !== undefined) json.last_exit_status = history.lastExitStatus;
    if (history.lastRunDuration !== undefined) json.last_run_duration = history.lastRunDuration;
  }
  if (d.proxyPort !== undefined) json.proxy_port = d.proxyPort;
  if (d.proxyAddress !== undefined) json.proxy_address = d.proxyAddress;
  return json;
}

function messagesFor(entry: ProcessEntry, statusOf: (instance: Instance) => string): StatusMessage[] {
  const { definition, instances } = entry;
  if (definition.schedule !== undefined) return [];
  const name = definition.name;
  if (entry.removed) {
    return instances.some((i) => i.isAlive()) ? [{ type: 'removed_but_running', process: name }] : [];
  }
  const messages: StatusMessage[] = [];
  const counted = instances.filter((i) => i.state.name !== 'stopped');
  const current = counted.length;
  const desired = definition.quantity;
  const correct = definition.restartMode === 'start-term' ? current >= desired : current === desired;
  if (!correct && entry.lastId > 0) messages.push({ type: 'incorrect_quantity', process: name, current, desired });
  for (const instance of instances) {
    if (isLeaving(instance.state)) continue;
    const status = statusOf(instance);
    // A completed run ended as its restart policy allows: nothing is wrong with it.
    if (status !== 'Running' && status !== 'Completed') messages.push({ type: 'not_running', instance: instance.description, status });
  }
  return messages;
}

/** The supervisor's identity: what `identify` answers, and the head of every status. */
export function buildIdentity(supervisor: Supervisor): IdentifyReply {
  const config = supervisor.config;
  return {
    version: supervisor.options.version,
    root: config.root,
    app_name: config.appName,
    pid_root: config.pidRoot,
    supervisor: { started_at: supervisor.startedAt ?? null, pid: process.pid, proxy_enabled: supervisor.options.proxy },
  };
}

export function buildStatus(supervisor: Supervisor): StatusReply {
  const config = supervisor.config;
  const entries = supervisor.table.entries();
  // An instance's status reads /proc; one reply asks it once per instance, not once per use.
  const known = new Map<Instance, string>();
  const statusOf = (instance: Instance): string => {
    let status = known.get(instance);
    if (status === undefined) known.set(instance, (status = instance.status()));
    return status;
  };
  const instances: Record<string, InstanceJson[]> = {};
  for (const entry of entries) {
    instances[entry.definition.name] = entry.instances.map((i) => supervisorView(supervisor, i, entry.definition, statusOf));
  }
  const reply: StatusReply = {
    version: supervisor.options.version,
    messages: entries.flatMap((entry) => messagesFor(entry, statusOf)),
    root: config.root,
    app_name: config.appName,
    supervisor: {
      started_at: supervisor.startedAt ?? null,
      pid: process.pid,
      proxy_enabled: supervisor.options.proxy,
    },
    instances,
    processes: entries.map((e) => processJson(e, supervisor.scheduler.history(e.definition.name))),
    runtime_issues: supervisor.issues.list(),
    environment_variables: maskedEnv(config.env, config.secretEnv),
    procfile_path: config.procfilePath,
    options_path: config.optionsPath,
    local_options_path: config.localOptionsPath,
    sock_path: config.sockPath,
    supervisor_pid_path: config.supervisorPidPath,
    pid_root: config.pidRoot,
    loaded_at: config.loadedAt,
  };
  if (config.logRoot !== undefined) reply.log_root = config.logRoot;
  return reply;
}
