// `procodile export`: for examples/hello and an app using every option, each format is
// generated and accepted by the engine's own validator (systemd-analyze verify, the Kubernetes
// OpenAPI schemas, docker-compose config) or, for Nomad, by the job specification's fields.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { REPO_ROOT, runCli } from '../helpers/app.js';
import { checkNomadJob } from '../helpers/nomad-jobspec.js';

const RICH_FILES: Record<string, string> = {
  Procfile: [
    'web: node web.js --port $PORT',
    'worker: ./bin/worker',
    'mailer: /bin/sleep 1000',
    'queue: ./bin/worker',
    'cache: /bin/sleep 1000',
    'report__AT__*/15 * * * *: echo report',
    'tick__AT__30 */5 * * * MON-FRI: echo tick',
    '',
  ].join('\n'),
  'Procfile.options': `app_name: rich
user: daemon
console_command: node -i
exec_prefix: env
stop_timeout: 20
release_command: bin/migrate
on_crash: bin/page-on-call
env:
  RAILS_ENV: production
  GREETING: "50% off"
processes:
  web:
    quantity: 3
    allocate_port_from: 5000
    proxy_port: 8080
    proxy_address: 0.0.0.0
    term_signal: QUIT
    stop_timeout: 30
    restart_mode: usr2
    ready:
      http: /health
    ready_timeout: 30
    max_memory: 512M
    env:
      WEB_CONCURRENCY: "4"
  worker:
    quantity: 2
    restart_mode: start-term
    ready: notify
    max_respawns: 3
    respawn_window: 60
    depends_on: [mailer, queue]
  mailer:
    proxy_port: 2525
    ready: tcp
  queue:
    ready:
      command: test -S /tmp/queue.sock
    restart: on-failure
    depends_on: [cache]
  cache:
    ready:
      log: Ready to accept
    restart: never
  report:
    random_delay: 10
`,
  '.env': 'SECRET_KEY=abc\n',
  'web.js': '',
  'bin/worker': '#!/bin/sh\nexec sleep 1000\n',
};

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync('/tmp/pc-ex-');
  dirs.push(dir);
  return dir;
}

function richApp(): string {
  const root = tempDir();
  for (const [name, content] of Object.entries(RICH_FILES)) {
    const path = join(root, name);
    if (name.includes('/')) spawnSync('mkdir', ['-p', join(root, name.split('/')[0] ?? '')]);
    writeFileSync(path, content, { mode: name.startsWith('bin/') ? 0o755 : 0o644 });
  }
  return root;
}

function helloApp(): string {
  const root = tempDir();
  cpSync(join(REPO_ROOT, 'examples', 'hello'), root, { recursive: true });
  return root;
}

const APPS: Array<[string, () => string, string[]]> = [
  ['examples/hello', helloApp, []],
  ['the rich fixture', richApp, ['--env-file']],
];

async function exportTo(root: string, format: string, extra: string[], out?: string) {
  const args = ['export', format, '-r', root, ...extra, ...(out === undefined ? [] : ['--out', out])];
  const result = await runCli(args);
  assert.equal(result.code, 0, `export ${format} failed: ${result.stderr}`);
  return result;
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

describe('export systemd', () => {
  for (const [label, make, extra] of APPS) {
    it(`${label}: every unit passes systemd-analyze verify`, async () => {
      const root = make();
      const out = tempDir();
      await exportTo(root, 'systemd', extra, out);
      const files = listFiles(out);
      const target = files.find((file) => file.endsWith('.target'));
      assert.ok(target !== undefined, `no target in ${files.join(', ')}`);
      const wanted = readFileSync(join(out, target), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('Wants='))
        .map((line) => line.slice('Wants='.length));
      assert.ok(wanted.length > 0);
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', ...[target, ...wanted].map((unit) => join(out, unit))], {
        encoding: 'utf8',
        env: { ...process.env, SYSTEMD_UNIT_PATH: `${out}:` },
      });
      assert.equal(result.error, undefined, 'systemd-analyze is missing: install the systemd package');
      // verify exits 0 on unknown keys and bad values; it only says so on stderr.
      assert.equal(result.stderr.trim(), '', `systemd-analyze verify complained:\n${result.stderr}`);
      assert.equal(result.status, 0);
    });
  }

  it('gives each instance its own PORT and the settings of its options', async () => {
    const root = richApp();
    const out = tempDir();
    const result = await exportTo(root, 'systemd', ['--env-file'], out);
    assert.equal(readFileSync(join(out, 'rich-web@3.service.d/port.conf'), 'utf8').includes('Environment=PORT=5002'), true);
    const web = readFileSync(join(out, 'rich-web@.service'), 'utf8');
    for (const line of [
      'User=daemon',
      `WorkingDirectory=${root}`,
      `EnvironmentFile=${root}/.env`,
      'Environment="GREETING=50%% off"',
      'Environment="PROC_NAME=web.%i"',
      'KillSignal=SIGQUIT',
      'TimeoutStopSec=30',
      'KillMode=control-group',
      'ExecReload=/bin/kill -USR2 $MAINPID',
      'ExecStart=/bin/sh -c "exec node web.js --port $$PORT"',
    ]) {
      assert.ok(web.split('\n').includes(line), `missing ${line} in\n${web}`);
    }
    const worker = readFileSync(join(out, 'rich-worker@.service'), 'utf8');
    assert.ok(worker.includes('StartLimitBurst=3\nStartLimitIntervalSec=60'), worker);
    assert.ok(worker.includes(`ExecStart=${root}/bin/worker`), worker);
    // ready: notify is systemd's own protocol; a process without it is ready once it runs.
    assert.ok(worker.includes('Type=notify\nNotifyAccess=all\n'), worker);
    assert.ok(web.split('\n').includes('Type=simple'), web);
    const tick = readFileSync(join(out, 'rich-tick.timer'), 'utf8');
    assert.ok(tick.includes('OnCalendar=Mon..Fri *-*-* *:00/5:30'), tick);
    assert.ok(readFileSync(join(out, 'rich-report.timer'), 'utf8').includes('RandomizedDelaySec=10'));
    assert.match(result.stderr, /processes\.worker\.restart_mode: start-term/);
    assert.match(result.stderr, /processes\.web\.proxy_port: systemd has no load balancer/);
    assert.match(result.stderr, /console_command: /);
  });

  it('maps ready:, depends_on, restart: and max_memory, and warns about the checks and hooks systemd cannot run', async () => {
    const root = richApp();
    const out = tempDir();
    const result = await exportTo(root, 'systemd', [], out);
    const unit = (name: string) => readFileSync(join(out, `rich-${name}@.service`), 'utf8').split('\n');
    const web = unit('web');
    assert.ok(web.includes('MemoryMax=536870912'), web.join('\n'));
    assert.ok(web.includes('Restart=always'));
    const worker = unit('worker');
    assert.ok(worker.includes('After=rich-mailer@1.service rich-queue@1.service'), worker.join('\n'));
    const queue = unit('queue');
    assert.ok(queue.includes('ExecStartPost=/bin/sh -c "until test -S /tmp/queue.sock; do sleep 1; done"'), queue.join('\n'));
    assert.ok(queue.includes('TimeoutStartSec=60'));
    assert.ok(queue.includes('Restart=on-failure'));
    assert.ok(queue.includes('After=rich-cache@1.service'));
    assert.ok(unit('cache').includes('Restart=no'));
    assert.match(result.stderr, /processes\.web\.ready: http: systemd cannot run this check/);
    assert.match(result.stderr, /processes\.mailer\.ready: tcp: /);
    assert.match(result.stderr, /processes\.cache\.ready: log: /);
    assert.match(result.stderr, /Warning: release_command: /);
    assert.match(result.stderr, /Warning: on_crash: /);
  });

  it('keeps control characters of Procfile values inside their line: a carriage return cannot add a directive', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'Procfile'), 'web: "sleep 300 #\\rExecStartPre=+/tmp/evil-cmd\\r"\n');
    writeFileSync(join(root, 'Procfile.options'), 'env:\n  A: "x\\rExecStartPre=+/tmp/evil-env\\r#\\e"\n');
    const out = tempDir();
    await exportTo(root, 'systemd', [], out);
    const files = listFiles(out);
    for (const file of files) {
      const text = readFileSync(join(out, file), 'utf8');
      assert.doesNotMatch(text, /[\r\0]/, `${file} holds a raw control character`);
      for (const line of text.split('\n')) assert.ok(!line.startsWith('ExecStartPre'), `${file}: ${line}`);
    }
    const web = readFileSync(join(out, files.find((f) => f.endsWith('-web@.service'))!), 'utf8');
    assert.ok(web.includes('Environment="A=x\\x0dExecStartPre=+/tmp/evil-env\\x0d#\\x1b"'), web);
    const target = files.find((file) => file.endsWith('.target'))!;
    const wanted = readFileSync(join(out, target), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('Wants='))
      .map((line) => join(out, line.slice('Wants='.length)));
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', join(out, target), ...wanted], {
      encoding: 'utf8',
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${out}:` },
    });
    assert.equal(result.stderr.trim(), '', result.stderr);

    writeFileSync(join(root, 'Procfile.options'), 'user: "nobody\\nExecStartPre=+/tmp/evil-user"\n');
    const refused = await runCli(['export', 'systemd', '-r', root, '--out', tempDir()]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /user .* contains a control character/);
    writeFileSync(join(root, 'Procfile.options'), 'env:\n  A: "x\\0y"\n');
    const nul = await runCli(['export', 'systemd', '-r', root, '--out', tempDir()]);
    assert.notEqual(nul.code, 0);
    assert.match(nul.stderr, /contains a NUL character/);
  });

  it('user units leave out User= and remind of lingering', async () => {
    const result = await runCli(['export', 'systemd', '-r', richApp(), '--user-units']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes('User='));
    assert.match(result.stdout, /WantedBy=default\.target/);
    assert.match(result.stderr, /loginctl enable-linger daemon/);
    assert.match(result.stderr, /Warning: user: /);
  });
});

const KINDS: Record<string, { new (data: never): { validate(): void } }> = {
  ConfigMap: ConfigMap,
  Service: Service,
  Deployment: Deployment,
  CronJob: CronJob,
};

describe('export kubernetes', () => {
  for (const [label, make, extra] of APPS) {
    it(`${label}: every manifest passes the Kubernetes OpenAPI schema`, async () => {
      const result = await exportTo(make(), 'kubernetes', ['--image', 'registry.example/app:1', '--namespace', 'prod', ...extra]);
      const documents = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as { kind: string; metadata: { namespace?: string } });
      assert.ok(documents.length >= 3);
      for (const document of documents) {
        const model = KINDS[document.kind];
        assert.ok(model !== undefined, `unexpected kind ${document.kind}`);
        new model(document as never).validate();
        assert.equal(document.metadata.namespace, 'prod');
      }
    });
  }

  it('maps quantity, stop_timeout, proxy and schedules, and warns about what it cannot', async () => {
    const result = await exportTo(richApp(), 'kubernetes', ['--image', 'app:1', '--env-file']);
    const byName = new Map(parseAllDocuments(result.stdout).map((doc) => {
      const value = doc.toJS() as { kind: string; metadata: { name: string } } & Record<string, never>;
      return [`${value.kind}/${value.metadata.name}`, value] as const;
    }));
    const web = byName.get('Deployment/rich-web') as unknown as { spec: { replicas: number; template: { spec: { terminationGracePeriodSeconds: number; containers: Array<{ command: string[]; envFrom: unknown[] }> } } } };
    assert.equal(web.spec.replicas, 3);
    assert.equal(web.spec.template.spec.terminationGracePeriodSeconds, 30);
    assert.deepEqual(web.spec.template.spec.containers[0]?.command, ['/bin/sh', '-c', 'exec node web.js --port $PORT']);
    assert.equal(web.spec.template.spec.containers[0]?.envFrom.length, 2);
    const service = byName.get('Service/rich-web') as unknown as { spec: { ports: Array<{ port: number; targetPort: number }> } };
    assert.deepEqual([service.spec.ports[0]?.port, service.spec.ports[0]?.targetPort], [8080, 5000]);
    const tick = byName.get('CronJob/rich-tick') as unknown as { spec: { schedule: string } };
    assert.equal(tick.spec.schedule, '*/5 * * * MON-FRI');
    assert.match(result.stderr, /processes\.tick\.at: '30 \*\/5 \* \* \* MON-FRI' has a seconds field \(30\).*dropped/);
    assert.match(result.stderr, /processes\.web\.restart_mode: usr2/);
    assert.match(result.stderr, /processes\.web\.term_signal: SIGQUIT/);
    assert.match(result.stderr, /processes\.web\.allocate_port_from: /);
    assert.match(result.stderr, /processes\.worker\.max_respawns: /);
    assert.match(result.stderr, /processes\.web\.proxy_address: 0\.0\.0\.0/);
    assert.match(result.stderr, /kubectl create secret generic rich-env-file/);
  });

  it('turns ready: into probes and max_memory into a limit, and warns about order, restart: and log checks', async () => {
    const result = await exportTo(richApp(), 'kubernetes', ['--image', 'app:1']);
    type Container = { readinessProbe?: Record<string, unknown>; livenessProbe?: Record<string, unknown>; resources?: { limits: { memory: string } } };
    const containers = new Map(
      parseAllDocuments(result.stdout)
        .map((doc) => doc.toJS() as { kind: string; metadata: { name: string }; spec: { template: { spec: { containers: Container[] } } } })
        .filter((doc) => doc.kind === 'Deployment')
        .map((doc) => [doc.metadata.name, doc.spec.template.spec.containers[0]] as const),
    );
    const web = containers.get('rich-web');
    assert.deepEqual(web?.readinessProbe, { httpGet: { path: '/health', port: 5000 }, periodSeconds: 5, failureThreshold: 6 });
    assert.deepEqual(web?.livenessProbe, { httpGet: { path: '/health', port: 5000 }, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 3 });
    assert.deepEqual(web?.resources, { limits: { memory: '512Mi' } });
    assert.deepEqual(containers.get('rich-mailer')?.readinessProbe?.tcpSocket, { port: 2525 });
    assert.deepEqual(containers.get('rich-queue')?.readinessProbe?.exec, { command: ['/bin/sh', '-c', 'test -S /tmp/queue.sock'] });
    assert.equal(containers.get('rich-cache')?.readinessProbe, undefined);
    assert.match(result.stderr, /processes\.cache\.ready: log: Kubernetes cannot probe/);
    assert.match(result.stderr, /processes\.worker\.ready: notify: /);
    assert.match(result.stderr, /processes\.worker\.depends_on: Kubernetes starts every Deployment at once: mailer, queue/);
    assert.match(result.stderr, /processes\.queue\.restart: on-failure: /);
    assert.match(result.stderr, /processes\.cache\.restart: never: /);
  });

  it('refuses to run without --image', async () => {
    const result = await runCli(['export', 'kubernetes', '-r', helloApp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /needs --image IMAGE/);
  });
});

describe('export compose', () => {
  for (const [label, make, extra] of APPS) {
    it(`${label}: docker-compose config accepts the file`, async () => {
      const root = make();
      await exportTo(root, 'compose', extra, root);
      const result = spawnSync('docker-compose', ['-f', join(root, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8', cwd: root });
      assert.equal(result.error, undefined, 'docker-compose is missing: install the docker-compose package');
      assert.equal(result.stderr.trim(), '', result.stderr);
      assert.equal(result.status, 0);
    });
  }

  it('maps replicas, signals, ports and the env file, and warns about schedules', async () => {
    const root = richApp();
    const result = await exportTo(root, 'compose', ['--env-file', '--image', 'app:1']);
    assert.match(result.stdout, /replicas: 3/);
    assert.match(result.stdout, /stop_signal: SIGQUIT/);
    assert.match(result.stdout, /stop_grace_period: 30s/);
    assert.match(result.stdout, /0\.0\.0\.0:8080-8082:5000/);
    assert.match(result.stdout, /env_file:\n\s+- \.env/);
    assert.match(result.stderr, /Warning: schedules: Compose has no scheduler/);
    assert.match(result.stderr, /\*\/15 \* \* \* \* docker-compose run --rm report/);
  });
});

describe('export compose: readiness and order', () => {
  it('maps ready: to healthchecks, depends_on to conditions, restart: and max_memory', async () => {
    const result = await exportTo(richApp(), 'compose', ['--image', 'app:1']);
    const services = (parseAllDocuments(result.stdout)[0]?.toJS() as { services: Record<string, Record<string, unknown>> }).services;
    assert.deepEqual(services.web?.healthcheck, {
      test: ['CMD-SHELL', "curl -fsS -o /dev/null 'http://127.0.0.1:5000/health'"],
      interval: '5s',
      timeout: '5s',
      retries: 6,
      start_period: '30s',
    });
    assert.equal(services.web?.mem_limit, 536870912);
    assert.deepEqual((services.mailer?.healthcheck as { test: string[] }).test, ['CMD-SHELL', 'nc -z 127.0.0.1 2525']);
    assert.deepEqual(services.worker?.depends_on, { mailer: { condition: 'service_healthy' }, queue: { condition: 'service_healthy' } });
    assert.deepEqual(services.queue?.depends_on, { cache: { condition: 'service_started' } });
    assert.equal(services.queue?.restart, 'on-failure');
    assert.equal(services.cache?.restart, 'no');
    assert.equal(services.cache?.healthcheck, undefined);
    assert.match(result.stderr, /processes\.cache\.ready: log: Compose cannot check/);
    assert.match(result.stderr, /processes\.web\.ready: http: the healthcheck runs curl inside the container/);
  });
});

describe('export nomad', () => {
  for (const [label, make, extra] of APPS) {
    it(`${label}: every job uses only documented job specification fields`, async () => {
      const out = tempDir();
      await exportTo(make(), 'nomad', ['--namespace', 'prod', ...extra], out);
      const files = listFiles(out);
      assert.ok(files.length > 0);
      for (const file of files) checkNomadJob(JSON.parse(readFileSync(join(out, file), 'utf8')) as unknown, file);
    });
  }

  it('makes a periodic job with a seven-field cron for a schedule with seconds', async () => {
    const out = tempDir();
    await exportTo(richApp(), 'nomad', [], out);
    const tick = JSON.parse(readFileSync(join(out, 'rich-tick.nomad.json'), 'utf8')) as { Job: { Type: string; Periodic: { Spec: string } } };
    assert.equal(tick.Job.Type, 'batch');
    assert.equal(tick.Job.Periodic.Spec, '30 */5 * * * MON-FRI *');
  });
});

describe('export nomad: readiness and limits', () => {
  it('maps ready: to service checks, max_memory to Resources and restart: never, and warns about the rest', async () => {
    const out = tempDir();
    const result = await exportTo(richApp(), 'nomad', [], out);
    const job = JSON.parse(readFileSync(join(out, 'rich.nomad.json'), 'utf8')) as {
      Job: { TaskGroups: Array<{ Name: string; RestartPolicy: unknown; Services?: Array<{ Checks?: unknown[] }>; Tasks: Array<{ Resources?: unknown }> }> };
    };
    const group = (name: string) => job.Job.TaskGroups.find((candidate) => candidate.Name === name);
    const second = 1_000_000_000;
    assert.deepEqual(group('web')?.Services?.[0]?.Checks, [{ Name: 'web-ready', Type: 'http', Path: '/health', Interval: 5 * second, Timeout: 2 * second }]);
    assert.deepEqual(group('web')?.Tasks[0]?.Resources, { MemoryMB: 512 });
    assert.deepEqual(group('mailer')?.Services?.[0]?.Checks, [{ Name: 'mailer-ready', Type: 'tcp', Interval: 5 * second, Timeout: 2 * second }]);
    assert.deepEqual(group('cache')?.RestartPolicy, { Attempts: 0, Mode: 'fail' });
    assert.match(result.stderr, /processes\.queue\.ready: command: /);
    assert.match(result.stderr, /processes\.cache\.ready: log: /);
    assert.match(result.stderr, /processes\.worker\.depends_on: Nomad places every group at once/);
    assert.match(result.stderr, /processes\.queue\.restart: on-failure: /);
  });
});

describe('the validators reject a broken export', () => {
  it('systemd-analyze, the Kubernetes schema, docker-compose and the Nomad check each fail on a broken file', async () => {
    const root = richApp();
    const out = tempDir();
    await exportTo(root, 'systemd', [], out);
    const unitPath = join(out, 'rich-web@.service');
    writeFileSync(unitPath, readFileSync(unitPath, 'utf8').replace('KillSignal=SIGQUIT', 'KillSignal=SIGNOPE\nRestartt=always'));
    const systemd = spawnSync('systemd-analyze', ['verify', '--man=no', join(out, 'rich-web@1.service')], {
      encoding: 'utf8',
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${out}:` },
    });
    assert.match(systemd.stderr, /Restartt|SIGNOPE/);

    const manifests = await exportTo(root, 'kubernetes', ['--image', 'app:1']);
    const deployment = parseAllDocuments(manifests.stdout).map((doc) => doc.toJS() as { kind: string; spec: { replicas: unknown } }).find((doc) => doc.kind === 'Deployment');
    assert.ok(deployment !== undefined);
    deployment.spec.replicas = 'three';
    assert.throws(() => new Deployment(deployment as never).validate());

    await exportTo(root, 'compose', [], root);
    const composePath = join(root, 'docker-compose.yml');
    writeFileSync(composePath, readFileSync(composePath, 'utf8').replace('stop_grace_period: 30s', 'stop_grace_perid: 30s'));
    const compose = spawnSync('docker-compose', ['-f', composePath, 'config', '-q'], { encoding: 'utf8', cwd: root });
    assert.notEqual(compose.status, 0, 'docker-compose accepted an unknown key');

    const nomadOut = tempDir();
    await exportTo(root, 'nomad', [], nomadOut);
    const job = JSON.parse(readFileSync(join(nomadOut, 'rich.nomad.json'), 'utf8')) as { Job: { TaskGroups: Array<{ Services?: Array<{ Checks?: Array<{ Type: string }> }> }> } };
    const check = job.Job.TaskGroups.flatMap((group) => group.Services ?? []).flatMap((service) => service.Checks ?? [])[0];
    assert.ok(check !== undefined);
    check.Type = 'script';
    assert.throws(() => checkNomadJob(job, 'rich.nomad.json'), /check type script/);
  });
});

describe('export into a directory', () => {
  it('replaces a planted symlink instead of writing through it, and keeps foreign files unless forced', async () => {
    const root = helloApp();
    const out = tempDir();
    const victim = join(tempDir(), 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(out, 'hello.target'));
    const refused = await runCli(['export', 'systemd', '-r', root, '--out', out]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /hello\.target exists and was not written by procodile export \(it is a symlink\).*--force/);
    assert.equal(existsSync(join(out, 'hello-web@.service')), false, 'a refusal must write nothing');
    const forced = await runCli(['export', 'systemd', '-r', root, '--out', out, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.match(readFileSync(join(out, 'hello.target'), 'utf8'), /Generated by procodile export/);
    // A second export replaces its own files without --force.
    const again = await runCli(['export', 'systemd', '-r', root, '--out', out]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(listFiles(out).filter((name) => name.includes('.tmp')), []);
  });

  it('refuses a drop-in directory that another user made in a shared output directory', async () => {
    const root = helloApp();
    const out = tempDir();
    chmodSync(out, 0o1777);
    const dropIn = join(out, 'hello-web@1.service.d');
    // As another user with the right to create entries in the output directory (as in /tmp).
    execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'mkdir', dropIn]);
    const refused = await runCli(['export', 'systemd', '-r', root, '--out', out]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /hello-web@1\.service\.d belongs to uid \d+, who could change what procodile writes there/);
    assert.deepEqual(readdirSync(dropIn), [], 'nothing written into it');
    assert.equal(existsSync(join(out, 'hello.target')), false, 'a refusal writes nothing');
    rmSync(dropIn, { recursive: true });
    const written = await runCli(['export', 'systemd', '-r', root, '--out', out]);
    assert.equal(written.code, 0, written.stderr);
    assert.match(readFileSync(join(dropIn, 'port.conf'), 'utf8'), /Environment=PORT=5100/);
    assert.deepEqual(listFiles(out).filter((name) => name.includes('.tmp')), []);
  });

  it('refuses an unknown format, naming the ones it knows', async () => {
    const result = await runCli(['export', 'heroku', '-r', helloApp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /systemd, kubernetes, compose, nomad/);
  });
});
