// One Compose file: a service per process type, built from the application root (`build: .`)
// or run from `--image`. Compose has no scheduler: scheduled processes become services under
// the `scheduled` profile, to be run by the host's cron with `docker-compose run --rm`.
import { stringify } from 'yaml';
import type { ExportModel, ExportResult, ExportedProcess } from './export-model.js';
import { GENERATED_MARKER, hasCustomRespawnLimit } from './export-model.js';
import { dnsLabel } from './names.js';
import type { ExportWarnings } from './warnings.js';

export interface ComposeOptions {
  image?: string;
}

const SCHEDULED_PROFILE = 'scheduled';

/** Compose expands $VAR itself; `$$` leaves a `$` for the shell in the container. */
function literal(text: string): string {
  return text.replaceAll('$', () => '$$');
}

/** Seconds between two health checks. */
const CHECK_INTERVAL = 5;

/**
 * The shell line that checks `ready:` inside the container, or undefined when Compose cannot
 * check it. Compose has no probes of its own: the check runs in the image, so the network
 * checks need nc or curl there.
 */
function checkCommand(process: ExportedProcess, warnings: ExportWarnings): string | undefined {
  const readiness = process.readiness;
  const unmapped = (why: string) => {
    warnings.addForProcess(process.name, 'ready', `${readiness.kind}: ${why}; the service gets no healthcheck and counts as healthy once it runs`);
    return undefined;
  };
  switch (readiness.kind) {
    case 'none':
      return undefined;
    case 'notify':
      return unmapped('Compose has no sd_notify socket');
    case 'log':
      return unmapped('Compose cannot check a container\'s output');
    case 'command':
      return readiness.command;
    case 'tcp':
    case 'http': {
      const port = process.listenPort;
      if (port === undefined) return unmapped('the process has no port to check (allocate_port_from or proxy_port)');
      const tool = readiness.kind === 'tcp' ? 'nc' : 'curl';
      warnings.addForProcess(process.name, 'ready', `${readiness.kind}: the healthcheck runs ${tool} inside the container, so the image needs ${tool}`);
      return readiness.kind === 'tcp'
        ? `nc -z 127.0.0.1 ${port}`
        : `curl -fsS -o /dev/null 'http://127.0.0.1:${port}${readiness.path.replaceAll("'", "'\\''")}'`;
    }
  }
}

/** Where `ready:` becomes a healthcheck; ready_timeout is the time a new container has to pass it. */
function healthcheck(process: ExportedProcess, command: string | undefined): Record<string, unknown> {
  if (command === undefined || process.readiness.kind === 'none') return {};
  const timeout = process.readiness.timeout;
  return {
    healthcheck: {
      test: ['CMD-SHELL', literal(command)],
      interval: `${CHECK_INTERVAL}s`,
      timeout: `${CHECK_INTERVAL}s`,
      retries: Math.max(1, Math.ceil(timeout / CHECK_INTERVAL)),
      start_period: `${timeout}s`,
    },
  };
}

/** `depends_on:` waits for a dependency's healthcheck where it has one, else for its start. */
function dependencies(model: ExportModel, process: ExportedProcess, healthy: ReadonlySet<string>, warnings: ExportWarnings): Record<string, unknown> {
  const entries: Array<[string, { condition: string }]> = [];
  for (const name of process.dependsOn) {
    const dependency = model.processes.find((candidate) => candidate.name === name);
    if (dependency === undefined) continue;
    if (dependency.scheduled) {
      warnings.addForProcess(process.name, 'depends_on', `${name} is scheduled and only runs from cron, so ${process.name} does not wait for it`);
      continue;
    }
    const service = dnsLabel(name, `processes.${name}`, warnings);
    entries.push([service, { condition: healthy.has(name) ? 'service_healthy' : 'service_started' }]);
  }
  return entries.length === 0 ? {} : { depends_on: Object.fromEntries(entries) };
}

/** Compose's names for the three restart policies. */
const RESTART: Record<ExportedProcess['restart'], string> = { always: 'always', 'on-failure': 'on-failure', never: 'no' };

export function exportCompose(model: ExportModel, options: ComposeOptions, warnings: ExportWarnings): ExportResult {
  const services: Record<string, Record<string, unknown>> = {};
  const scheduled: string[] = [];
  const checks = new Map(model.processes.map((process) => [process.name, process.scheduled ? undefined : checkCommand(process, warnings)]));
  const healthy = new Set([...checks].filter(([, command]) => command !== undefined).map(([name]) => name));
  for (const process of model.processes) {
    const name = dnsLabel(process.name, `processes.${process.name}`, warnings);
    if (process.scheduled) {
      if (process.schedule === undefined) continue;
      scheduled.push(`${process.schedule.source} docker-compose run --rm ${name}`);
    }
    services[name] = service(model, process, options, warnings, { check: checks.get(process.name), healthy });
  }
  if (scheduled.length > 0) {
    warnings.add(
      'schedules',
      `Compose has no scheduler: each scheduled process is a service in the '${SCHEDULED_PROFILE}' profile, not started by \`up\`; run it from the host's crontab (see the notes)`,
    );
  }
  if (model.user !== undefined) {
    warnings.add('user', `exported as the services' user: ${model.user} must exist in the image`);
  }
  const content = `# ${GENERATED_MARKER}: change the Procfile or Procfile.options and export again.\n# Keep this file in the application root: the build context and env file are relative to it.\n${stringify({ services }, { lineWidth: 0, version: '1.1' })}`;
  const notes = ['Run with `docker-compose up -d` from the application root.'];
  if (scheduled.length > 0) notes.push(`Crontab lines for the scheduled processes (run in the application root):\n${scheduled.join('\n')}`);
  return { files: [{ path: 'docker-compose.yml', content }], notes };
}

function service(
  model: ExportModel,
  process: ExportedProcess,
  options: ComposeOptions,
  warnings: ExportWarnings,
  readiness: { check: string | undefined; healthy: ReadonlySet<string> },
): Record<string, unknown> {
  // Compose lets `environment` win over env_file; procodile lets the env file win over the
  // global env, so global variables the file sets are left to the file.
  const fromFile = new Set(model.envFile?.keys ?? []);
  const global = Object.fromEntries(Object.entries(model.env).filter(([key]) => !fromFile.has(key)));
  const environment: Record<string, string> = { ...global, ...process.env, PROC_NAME: process.name };
  if (process.listenPort !== undefined) environment.PORT = String(process.listenPort);
  const result: Record<string, unknown> = {
    ...(options.image === undefined ? { build: '.' } : { image: options.image }),
    command: process.argv.map(literal),
    ...(model.user === undefined ? {} : { user: model.user }),
    ...(model.envFile === undefined ? {} : { env_file: [model.envFile.given] }),
    environment: Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, literal(value)])),
    stop_signal: process.termSignal,
    stop_grace_period: `${process.stopTimeout}s`,
    // Over the limit the container is killed and, with its restart policy, started again.
    ...(process.maxMemory === undefined ? {} : { mem_limit: process.maxMemory }),
    ...healthcheck(process, readiness.check),
    ...dependencies(model, process, readiness.healthy, warnings),
  };
  if (process.scheduled) {
    if (process.randomDelay > 0) {
      warnings.addForProcess(process.name, 'random_delay', 'not exported: add a sleep to the crontab line if the spread matters');
    }
    return { ...result, profiles: [SCHEDULED_PROFILE], restart: 'no' };
  }
  result.restart = process.maxRespawns === 0 ? 'no' : RESTART[process.restart];
  if (process.maxRespawns !== 0 && hasCustomRespawnLimit(process)) {
    warnings.addForProcess(
      process.name,
      'max_respawns',
      'Compose restarts a crashed container without limit (restart: always); the respawn limit was not exported',
    );
  }
  result.deploy = {
    replicas: process.quantity,
    update_config: { order: process.restartMode === 'start-term' ? 'start-first' : 'stop-first' },
  };
  if (process.restartMode === 'usr1' || process.restartMode === 'usr2') {
    warnings.addForProcess(
      process.name,
      'restart_mode',
      `${process.restartMode}: Compose restarts by replacing the container; to reload in place run \`docker-compose kill -s ${process.restartMode.toUpperCase()} SERVICE\``,
    );
  }
  if (process.proxy !== undefined) result.ports = [publishedPort(process, warnings)];
  return result;
}

/** Compose has no load balancer: replicas publish a range of host ports starting at proxy_port. */
function publishedPort(process: ExportedProcess, warnings: ExportWarnings): string {
  const proxy = process.proxy ?? { port: 0, address: '127.0.0.1' };
  const target = process.listenPort ?? proxy.port;
  const suffix = process.protocol === 'udp' ? '/udp' : '';
  if (process.quantity <= 1) return `${proxy.address}:${proxy.port}:${target}${suffix}`;
  const last = proxy.port + process.quantity - 1;
  warnings.addForProcess(
    process.name,
    'proxy_port',
    `Compose has no load balancer: the ${process.quantity} replicas publish ports ${proxy.port}-${last} on ${proxy.address}; put a reverse proxy in front for one address`,
  );
  return `${proxy.address}:${proxy.port}-${last}:${target}${suffix}`;
}
