// Nomad jobs in the JSON job format (`nomad job run -json FILE`): one service job with a group
// per process type, and a periodic batch job per scheduled process. Tasks use the raw_exec
// driver, which runs the command on the host like procodile does, from the application root.
import type { ExportFile, ExportModel, ExportResult, ExportedProcess } from './export-model.js';
import { GENERATED_MARKER, managedEnv } from './export-model.js';
import { toNomadCron } from './cron.js';
import { dnsLabel } from './names.js';
import type { ExportWarnings } from './warnings.js';

export interface NomadOptions {
  namespace?: string;
}

/** The JSON job format counts durations in nanoseconds. */
const SECOND = 1_000_000_000;
/** Nomad refuses a restart interval shorter than this. */
const MIN_RESTART_INTERVAL = 5;
const PORT_LABEL = 'port';

type Json = Record<string, unknown>;

/**
 * Where `ready:` becomes the service's Checks: Nomad's own service discovery checks a port
 * (tcp) or a GET (http); it runs no commands and reads no output.
 */
function checks(process: ExportedProcess, warnings: ExportWarnings): Json[] {
  const readiness = process.readiness;
  if (readiness.kind === 'none') return [];
  const unmapped = (why: string) => {
    warnings.addForProcess(process.name, 'ready', `${readiness.kind}: ${why}; the service gets no check and counts as healthy once it runs`);
    return [];
  };
  switch (readiness.kind) {
    case 'notify':
      return unmapped('Nomad has no sd_notify socket');
    case 'log':
      return unmapped('Nomad cannot check a task\'s output');
    case 'command':
      return unmapped('the checks of Nomad\'s own service discovery run no commands (a Consul script check could)');
    case 'tcp':
    case 'http':
      if (process.listenPort === undefined) return unmapped('the process has no port to check (allocate_port_from or proxy_port)');
      return [
        {
          Name: `${process.name}-ready`,
          Type: readiness.kind,
          ...(readiness.kind === 'http' ? { Path: readiness.path } : {}),
          Interval: 5 * SECOND,
          Timeout: 2 * SECOND,
        },
      ];
  }
}

export function exportNomad(model: ExportModel, options: NomadOptions, warnings: ExportWarnings): ExportResult {
  const app = dnsLabel(model.appName, 'app_name', warnings);
  const files: ExportFile[] = [];
  const groups: Json[] = [];
  for (const process of model.processes) {
    const name = dnsLabel(process.name, `processes.${process.name}`, warnings);
    if (!process.scheduled) {
      groups.push(group(model, process, app, name, warnings));
      continue;
    }
    if (process.schedule === undefined) continue;
    if (process.randomDelay > 0) {
      warnings.addForProcess(process.name, 'random_delay', 'a periodic job has no random delay; the job starts on the schedule');
    }
    const periodic = { Enabled: true, SpecType: 'cron', Spec: toNomadCron(process.schedule), ProhibitOverlap: true };
    const batchGroup = { ...group(model, process, app, name, warnings), RestartPolicy: { Attempts: 0, Mode: 'fail' } };
    files.push({ path: `${app}-${name}.nomad.json`, content: render(job(`${app}-${name}`, 'batch', [batchGroup], options, periodic)) });
  }
  if (groups.length > 0) files.unshift({ path: `${app}.nomad.json`, content: render(job(app, 'service', groups, options)) });
  const notes = ['Run each job with `nomad job run -json FILE`; the raw_exec driver must be enabled on the clients.'];
  if (model.envFile !== undefined) {
    notes.push(
      `The --env-file is read on the client through a template: allow it with the client's template { disable_file_sandbox = true }, or copy ${model.envFile.absolute} into the job as a template.`,
    );
  }
  return { files, notes };
}

function render(value: Json): string {
  return `${JSON.stringify({ Job: value }, null, 2)}\n`;
}

function job(id: string, type: 'service' | 'batch', groups: Json[], options: NomadOptions, periodic?: Json): Json {
  return {
    ID: id,
    Name: id,
    Type: type,
    ...(options.namespace === undefined ? {} : { Namespace: options.namespace }),
    Datacenters: ['*'],
    // JSON has no comments: the marker that lets a later export replace this file lives here.
    Meta: { 'generated-by': GENERATED_MARKER },
    ...(periodic === undefined ? {} : { Periodic: periodic }),
    TaskGroups: groups,
  };
}

function group(model: ExportModel, process: ExportedProcess, app: string, name: string, warnings: ExportWarnings): Json {
  const env: Record<string, string> = { ...model.env, ...process.env, ...managedEnv(model, process.name, true) };
  const hasPort = process.listenPort !== undefined;
  if (hasPort) env.PORT = `\${NOMAD_PORT_${PORT_LABEL}}`;
  if (process.allocatePortFrom !== undefined) {
    warnings.addForProcess(process.name, 'allocate_port_from', `Nomad picks each allocation's port; PORT is set from NOMAD_PORT_${PORT_LABEL}`);
  }
  mapUnsupported(process, warnings);
  const task: Json = {
    Name: name,
    Driver: 'raw_exec',
    ...(model.user === undefined ? {} : { User: model.user }),
    // raw_exec has no working directory setting: env -C starts the command in the root.
    Config: { command: '/usr/bin/env', args: ['-C', model.root, ...process.argv] },
    Env: env,
    KillSignal: process.termSignal,
    KillTimeout: Math.round(process.stopTimeout * SECOND),
    // Nomad kills a task over its memory and restarts it under the restart policy.
    ...(process.maxMemory === undefined ? {} : { Resources: { MemoryMB: Math.ceil(process.maxMemory / 1024 ** 2) } }),
    ...(model.envFile === undefined
      ? {}
      : { Templates: [{ SourcePath: model.envFile.absolute, DestPath: 'local/procodile.env', Envvars: true }] }),
  };
  const result: Json = { Name: name, Count: process.scheduled ? 1 : process.quantity, RestartPolicy: restartPolicy(process), Tasks: [task] };
  if (hasPort) result.Networks = [{ DynamicPorts: [{ Label: PORT_LABEL, Value: 0, To: 0 }] }];
  const readyChecks = process.scheduled ? [] : checks(process, warnings);
  if (process.proxy === undefined && readyChecks.length > 0) {
    result.Services = [{ Name: `${app}-${name}`, PortLabel: PORT_LABEL, Provider: 'nomad', Checks: readyChecks }];
  }
  if (process.proxy !== undefined) {
    warnings.addForProcess(
      process.name,
      'proxy_port',
      `Nomad has no built-in load balancer: the group registers the service ${app}-${name}; route ${process.proxy.address}:${process.proxy.port} to it with a proxy that reads Nomad's services`,
    );
    result.Services = [{ Name: `${app}-${name}`, PortLabel: PORT_LABEL, Provider: 'nomad', ...(readyChecks.length === 0 ? {} : { Checks: readyChecks }) }];
  }
  return result;
}

function restartPolicy(process: ExportedProcess): Json {
  if (process.restart === 'never') return { Attempts: 0, Mode: 'fail' };
  const interval = Math.max(MIN_RESTART_INTERVAL, process.respawnWindow);
  // procodile respawns at once; Nomad wants attempts x delay below the interval.
  const delay = Math.min(1, interval / (process.maxRespawns + 1));
  return { Attempts: process.maxRespawns, Interval: interval * SECOND, Delay: Math.round(delay * SECOND), Mode: 'fail' };
}

function mapUnsupported(process: ExportedProcess, warnings: ExportWarnings): void {
  if (process.dependsOn.length > 0) {
    warnings.addForProcess(
      process.name,
      'depends_on',
      `Nomad places every group at once: ${process.dependsOn.join(', ')} may not be ready before ${process.name} starts; retry connections in the application, or add a prestart task that waits for them`,
    );
  }
  if (!process.scheduled && process.restart === 'on-failure') {
    warnings.addForProcess(process.name, 'restart', 'on-failure: a service job restarts a task after every exit; run it as a batch job if it is meant to end');
  }
  if (!process.scheduled && process.respawnWindow < MIN_RESTART_INTERVAL) {
    warnings.addForProcess(process.name, 'respawn_window', `Nomad's shortest restart interval is ${MIN_RESTART_INTERVAL} s; exported as ${MIN_RESTART_INTERVAL} s`);
  }
  if (process.restartMode === 'usr1' || process.restartMode === 'usr2') {
    warnings.addForProcess(
      process.name,
      'restart_mode',
      `${process.restartMode}: a job update replaces allocations; to reload in place run \`nomad alloc signal -s SIG${process.restartMode.toUpperCase()} ALLOC\``,
    );
  }
  if (process.restartMode === 'start-term') {
    warnings.addForProcess(process.name, 'restart_mode', 'start-term: Nomad stops an allocation before placing its replacement unless the job sets update.canary');
  }
}
