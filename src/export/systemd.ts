// systemd units that run the processes themselves (not procodile): a template unit per type,
// one instance per quantity pulled in by APP.target, a drop-in per instance for its PORT, and
// a oneshot service with a timer per scheduled process.
import type { ExportFile, ExportModel, ExportResult, ExportedProcess } from './export-model.js';
import { GENERATED_MARKER, instancePort, managedEnv, programFromRoot } from './export-model.js';
import { hasSeconds, toOnCalendar } from './cron.js';
import { unitNamePart } from './names.js';
import type { ExportWarnings } from './warnings.js';
import { ProcodileError } from '../errors.js';

export interface SystemdOptions {
  /** Units for `systemctl --user`: no User=, wanted by default.target. */
  userUnits: boolean;
}

/**
 * Control characters. systemd ends a unit file's line at a newline, a carriage return or a
 * NUL, so one of them in a Procfile value would start a line of its own choosing (an
 * `ExecStartPre=+...` that runs as root) unless it is escaped or refused.
 */
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * A value inside double quotes, where systemd undoes C escapes (Environment=, command lines).
 * systemd expands %-specifiers everywhere and $VAR in command lines; both must stay literal.
 */
function escapeValue(text: string, inCommand: boolean): string {
  if (text.includes('\0')) {
    throw new ProcodileError('INVALID_ARGUMENT', `${JSON.stringify(text)} contains a NUL character, which no command line or environment can hold`);
  }
  let escaped = text
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('%', '%%')
    .replace(CONTROL, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  if (inCommand) escaped = escaped.replaceAll('$', () => '$$');
  return escaped;
}

/** Free text on a line of its own (Description=): control characters become spaces. */
function plainText(text: string): string {
  return text.replace(CONTROL, ' ').replaceAll('%', '%%');
}

/**
 * A value systemd takes as it stands (WorkingDirectory=, EnvironmentFile=, User=): no escape
 * can carry a control character there.
 */
function unitPath(path: string, what: string): string {
  if (new RegExp(CONTROL.source).test(path)) {
    throw new ProcodileError('INVALID_ARGUMENT', `The ${what} ${JSON.stringify(path)} contains a control character, which a systemd unit cannot hold; rename it before exporting`);
  }
  return path.replaceAll('%', '%%');
}

function commandWord(word: string): string {
  const escaped = escapeValue(word, true);
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(escaped) && escaped !== ';' ? escaped : `"${escaped}"`;
}

function environmentLine(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => `Environment="${escapeValue(`${key}=${value}`, false)}"`);
}

/**
 * How systemd learns that an instance is ready: it matters to the units ordered after it
 * (depends_on), which systemd starts once this one has finished starting.
 */
function readinessSettings(process: ExportedProcess, warnings: ExportWarnings): string[] {
  const readiness = process.readiness;
  switch (readiness.kind) {
    case 'none':
      return ['Type=simple'];
    case 'notify':
      // The same protocol as `ready: notify`: systemd gives the unit its own NOTIFY_SOCKET.
      // NotifyAccess=all because the sender is often not the main process: a command run
      // through /bin/sh -c, or `systemd-notify --ready` as a child of the application.
      return ['Type=notify', 'NotifyAccess=all'];
    case 'command': {
      // The unit counts as started once ExecStartPost= returns: the check, retried each second.
      const wait = ['/bin/sh', '-c', `until ${readiness.command}; do sleep 1; done`].map(commandWord).join(' ');
      return ['Type=simple', `ExecStartPost=${wait}`, `TimeoutStartSec=${readiness.timeout}`];
    }
    case 'tcp':
    case 'http':
    case 'log':
      warnings.addForProcess(
        process.name,
        'ready',
        `${readiness.kind}: systemd cannot run this check; an instance counts as started once it runs (use ready: notify or ready: command for a check systemd waits for)`,
      );
      return ['Type=simple'];
  }
}

/** systemd's names for the three restart policies. */
const RESTART: Record<ExportedProcess['restart'], string> = { always: 'always', 'on-failure': 'on-failure', never: 'no' };

export function exportSystemd(model: ExportModel, options: SystemdOptions, warnings: ExportWarnings): ExportResult {
  const app = unitNamePart(model.appName, 'app_name', warnings);
  const header = `# ${GENERATED_MARKER} from ${model.root}: change the Procfile or Procfile.options and export again.`;
  const files: ExportFile[] = [];
  const wants: string[] = [];
  if (options.userUnits && model.user !== undefined) {
    warnings.add('user', `user units run as the user whose systemd runs them; User=${model.user} was left out`);
  }
  for (const process of model.processes) {
    const unit = `${app}-${unitNamePart(process.name, `processes.${process.name}`, warnings)}`;
    if (process.scheduled) {
      if (process.schedule === undefined) continue;
      files.push({ path: `${unit}.service`, content: serviceUnit(model, process, options, warnings, { app, header, instance: false }) });
      files.push({ path: `${unit}.timer`, content: timerUnit(process, unit, app, header) });
      wants.push(`${unit}.timer`);
      continue;
    }
    files.push({ path: `${unit}@.service`, content: serviceUnit(model, process, options, warnings, { app, header, instance: true }) });
    for (let index = 1; index <= process.quantity; index++) {
      wants.push(`${unit}@${index}.service`);
      const port = instancePort(process, index);
      if (port !== undefined) {
        files.push({
          path: `${unit}@${index}.service.d/port.conf`,
          content: [header, '[Service]', `Environment=PORT=${port}`, ''].join('\n'),
        });
      }
    }
    if (process.quantity === 0) warnings.addForProcess(process.name, 'quantity', 'is 0: the template unit is exported but no instance is started');
  }
  files.unshift({ path: `${app}.target`, content: targetUnit(model, app, wants, header, options.userUnits) });
  const scope = options.userUnits ? 'systemctl --user' : 'systemctl';
  const notes = [
    `Install: copy the files to ${options.userUnits ? '~/.config/systemd/user/' : '/etc/systemd/system/'}, then run \`${scope} daemon-reload && ${scope} enable --now ${app}.target\`.`,
  ];
  if (options.userUnits) {
    notes.push(`User units stop when their user logs out unless lingering is on: \`loginctl enable-linger ${model.user ?? '$USER'}\`.`);
  }
  return { files, notes };
}

interface UnitContext {
  app: string;
  header: string;
  /** A template instance (long-running) rather than the oneshot service of a timer. */
  instance: boolean;
}

function serviceUnit(
  model: ExportModel,
  process: ExportedProcess,
  options: SystemdOptions,
  warnings: ExportWarnings,
  context: UnitContext,
): string {
  const { app, header, instance } = context;
  const procName = instance ? `${process.name}.%i` : `${process.name}.1`;
  const summary = plainText(process.command.slice(0, 80));
  const unit = ['[Unit]', `Description=${app} ${procName} (${summary})`];
  unit.push(`PartOf=${app}.target`, 'After=network.target');
  // Ordered after every instance of its dependencies: started once they have started (see
  // readinessSettings), stopped before them.
  const after = dependencyUnits(model, process, app, warnings);
  if (after.length > 0) unit.push(`After=${after.join(' ')}`);
  const service = ['[Service]'];
  if (instance) {
    service.push(...readinessSettings(process, warnings));
    if (process.maxRespawns === 0 || process.restart === 'never') {
      service.push('Restart=no');
    } else {
      service.push(`Restart=${RESTART[process.restart]}`);
      // procodile gives up after max_respawns within respawn_window; so does systemd here.
      unit.push(`StartLimitBurst=${process.maxRespawns}`, `StartLimitIntervalSec=${Math.max(1, process.respawnWindow)}`);
    }
  } else {
    // A scheduled run may take longer than the default start timeout of 90 s.
    service.push('Type=oneshot', 'TimeoutStartSec=infinity');
  }
  if (!options.userUnits && model.user !== undefined) service.push(`User=${unitPath(model.user, 'user')}`);
  service.push(`WorkingDirectory=${unitPath(model.root, 'application root')}`);
  service.push(...environmentLine(model.env));
  if (model.envFile !== undefined) {
    service.push(`EnvironmentFile=${unitPath(model.envFile.absolute, 'env file')}`);
    // systemd lets EnvironmentFile= override every Environment= line, whatever their order.
    const overridden = [...Object.keys(process.env), 'PROC_NAME', 'APP_ROOT', 'PORT'].filter((key) => model.envFile?.keys?.includes(key));
    for (const key of overridden) {
      warnings.add('--env-file', `sets ${key}, which systemd lets win over the value procodile would give ${process.name}; remove it from the file or from the options`);
    }
  }
  const managed = managedEnv(model, procName, true);
  service.push(...environmentLine({ ...process.env, APP_ROOT: managed.APP_ROOT ?? model.root }));
  // Not escaped like the others: %i is the instance number and must stay a specifier.
  service.push(`Environment="PROC_NAME=${escapeValue(process.name, false)}.${instance ? '%i' : '1'}"`);
  const [program, ...args] = process.argv;
  service.push(`ExecStart=${[programFromRoot(model.root, program), ...args].map(commandWord).join(' ')}`);
  if (instance) service.push(...restartModeSettings(process, warnings));
  service.push('KillMode=control-group', `KillSignal=${process.termSignal}`, `TimeoutStopSec=${process.stopTimeout}`);
  // The kernel's limit for the unit's whole cgroup: the instance is killed at the limit and,
  // with Restart=, started again (procodile restarts it after three samples above it).
  if (process.maxMemory !== undefined) service.push(`MemoryMax=${process.maxMemory}`);
  if (process.proxy !== undefined) proxyWarning(process, warnings);
  const install = instance ? ['', '[Install]', `WantedBy=${app}.target`] : [];
  return [header, ...unit, '', ...service, ...install, ''].join('\n');
}

function dependencyUnits(model: ExportModel, process: ExportedProcess, app: string, warnings: ExportWarnings): string[] {
  return process.dependsOn.flatMap((name) => {
    const dependency = model.processes.find((candidate) => candidate.name === name);
    if (dependency === undefined) return [];
    const unit = `${app}-${unitNamePart(dependency.name, `processes.${dependency.name}`, warnings)}`;
    if (dependency.scheduled) return [`${unit}.service`];
    return Array.from({ length: dependency.quantity }, (_, index) => `${unit}@${index + 1}.service`);
  });
}

function restartModeSettings(process: ExportedProcess, warnings: ExportWarnings): string[] {
  switch (process.restartMode) {
    case 'usr1':
    case 'usr2': {
      const signal = process.restartMode.toUpperCase();
      return [`ExecReload=/bin/kill -${signal} $MAINPID`];
    }
    case 'start-term':
      warnings.addForProcess(
        process.name,
        'restart_mode',
        'start-term: systemd stops an instance before starting it again; restart the instances one at a time to keep serving',
      );
      return [];
    case 'term-start':
      return [];
  }
}

function proxyWarning(process: ExportedProcess, warnings: ExportWarnings): void {
  const how =
    process.allocatePortFrom !== undefined
      ? `the instances listen on ports from ${process.allocatePortFrom}`
      : process.quantity === 1
        ? `the instance listens on ${process.proxy?.port ?? ''} itself (PORT)`
        : 'the instances get no PORT (set allocate_port_from to give each its own)';
  warnings.addForProcess(process.name, 'proxy_port', `systemd has no load balancer: ${how}; put a reverse proxy in front for one address`);
}

function timerUnit(process: ExportedProcess, unit: string, app: string, header: string): string {
  const schedule = process.schedule;
  const calendars = schedule === undefined ? [] : toOnCalendar(schedule);
  const timer = ['[Timer]', ...calendars.map((calendar) => `OnCalendar=${calendar}`)];
  // The default accuracy of one minute would move a run by up to a minute.
  timer.push(`AccuracySec=${schedule !== undefined && hasSeconds(schedule) ? '1ms' : '1s'}`);
  if (process.randomDelay > 0) timer.push(`RandomizedDelaySec=${process.randomDelay}`);
  timer.push(`Unit=${unit}.service`);
  return [
    header,
    '[Unit]',
    `Description=${app} ${process.name} on schedule ${plainText(schedule?.source ?? '')}`,
    `PartOf=${app}.target`,
    '',
    ...timer,
    '',
    '[Install]',
    `WantedBy=${app}.target`,
    '',
  ].join('\n');
}

function targetUnit(model: ExportModel, app: string, wants: string[], header: string, userUnits: boolean): string {
  return [
    header,
    '[Unit]',
    `Description=${app} (${plainText(model.root)})`,
    ...wants.map((name) => `Wants=${name}`),
    '',
    '[Install]',
    `WantedBy=${userUnits ? 'default.target' : 'multi-user.target'}`,
    '',
  ].join('\n');
}
