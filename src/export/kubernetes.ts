// Kubernetes manifests: a ConfigMap with the global env, a Deployment per process type, a
// CronJob per scheduled process and a Service per proxied type. The object shapes are typed
// with the Kubernetes API's own definitions (types only: nothing of them is bundled).
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import { stringify } from 'yaml';
import { hasSeconds } from './cron.js';
import type { ExportFile, ExportModel, ExportResult, ExportedProcess } from './export-model.js';
import { GENERATED_MARKER, hasCustomRespawnLimit } from './export-model.js';
import { probes } from './kubernetes-probes.js';
import { dnsLabel } from './names.js';
import type { ExportWarnings } from './warnings.js';

export interface KubernetesOptions {
  image: string;
  namespace?: string;
}

type Manifest = IDeployment | ICronJob | IConfigMap | IService;

interface Names {
  app: string;
  configMap: string;
  secret: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function exportKubernetes(model: ExportModel, options: KubernetesOptions, warnings: ExportWarnings): ExportResult {
  const app = dnsLabel(model.appName, 'app_name', warnings, 40);
  const names: Names = { app, configMap: `${app}-env`, secret: `${app}-env-file` };
  const files: ExportFile[] = [];
  const add = (file: string, manifest: Manifest) => files.push({ path: file, content: render(manifest) });
  if (model.user !== undefined) {
    warnings.add('user', 'Kubernetes runs containers as the image\'s user; set USER in the image or runAsUser (a numeric uid) in the pod');
  }
  add(`${names.configMap}.configmap.yaml`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(names.configMap, app, undefined, options),
    data: model.env,
  });
  for (const process of model.processes) {
    const component = dnsLabel(process.name, `processes.${process.name}`, warnings, 63 - app.length - 1);
    const name = `${app}-${component}`;
    mapUnsupported(process, warnings);
    if (process.scheduled) {
      if (process.schedule !== undefined) add(`${name}.cronjob.yaml`, cronJob(model, process, names, name, component, options, warnings));
      continue;
    }
    add(`${name}.deployment.yaml`, deployment(model, process, names, name, component, options, warnings));
    if (process.proxy !== undefined) add(`${name}.service.yaml`, service(process, name, component, app, options, warnings));
  }
  const notes = ['Apply with `kubectl apply -f DIR` (or pipe the output to `kubectl apply -f -`).'];
  if (model.envFile !== undefined) {
    notes.push(
      `The --env-file becomes the Secret ${names.secret}: create it with \`kubectl create secret generic ${names.secret} --from-env-file=${model.envFile.absolute}${options.namespace === undefined ? '' : ` -n ${options.namespace}`}\`.`,
    );
  }
  return { files, notes };
}

function render(manifest: Manifest): string {
  return `# ${GENERATED_MARKER}: change the Procfile or Procfile.options and export again.\n${stringify(manifest, { lineWidth: 0 })}`;
}

function metadata(name: string, app: string, component: string | undefined, options: KubernetesOptions) {
  const labels: Record<string, string> = { 'app.kubernetes.io/name': app, 'app.kubernetes.io/managed-by': 'procodile-export' };
  if (component !== undefined) labels['app.kubernetes.io/component'] = component;
  return { name, ...(options.namespace === undefined ? {} : { namespace: options.namespace }), labels };
}

function selector(app: string, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': app, 'app.kubernetes.io/component': component };
}

function container(
  model: ExportModel,
  process: ExportedProcess,
  names: Names,
  component: string,
  options: KubernetesOptions,
  warnings: ExportWarnings,
): IContainer {
  const env = Object.entries({ ...process.env, PROC_NAME: process.name }).map(([key, value]) => ({ name: key, value }));
  if (process.listenPort !== undefined) env.push({ name: 'PORT', value: String(process.listenPort) });
  // Later sources win: the env file overrides the global env, `env` overrides both, as in procodile.
  const envFrom = [{ configMapRef: { name: names.configMap } }];
  const withSecret = model.envFile === undefined ? envFrom : [...envFrom, { secretRef: { name: names.secret } }];
  return {
    name: component,
    image: options.image,
    command: [...process.argv],
    envFrom: withSecret,
    env,
    ...(process.listenPort === undefined
      ? {}
      : { ports: [{ containerPort: process.listenPort, protocol: process.protocol === 'udp' ? 'UDP' : 'TCP' }] }),
    ...(process.scheduled ? {} : probes(process, warnings)),
    // Over the limit the container is killed and restarted, as procodile restarts an instance.
    ...(process.maxMemory === undefined ? {} : { resources: { limits: { memory: memoryQuantity(process.maxMemory) } } }),
  };
}

function deployment(
  model: ExportModel,
  process: ExportedProcess,
  names: Names,
  name: string,
  component: string,
  options: KubernetesOptions,
  warnings: ExportWarnings,
): IDeployment {
  // start-term keeps capacity during a rollout (a new pod first); term-start replaces in place.
  const rollingUpdate = process.restartMode === 'start-term' ? { maxSurge: 1, maxUnavailable: 0 } : { maxSurge: 0, maxUnavailable: 1 };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(name, names.app, component, options),
    spec: {
      replicas: process.quantity,
      selector: { matchLabels: selector(names.app, component) },
      strategy: { type: 'RollingUpdate', rollingUpdate },
      template: {
        metadata: { labels: selector(names.app, component) },
        spec: {
          terminationGracePeriodSeconds: Math.ceil(process.stopTimeout),
          containers: [container(model, process, names, component, options, warnings)],
        },
      },
    },
  };
}

function cronJob(
  model: ExportModel,
  process: ExportedProcess,
  names: Names,
  name: string,
  component: string,
  options: KubernetesOptions,
  warnings: ExportWarnings,
): ICronJob {
  const schedule = process.schedule;
  if (schedule !== undefined && hasSeconds(schedule)) {
    warnings.addForProcess(
      process.name,
      'at',
      `'${schedule.source}' has a seconds field (${schedule.secondsField ?? ''}) and a CronJob takes five fields: the seconds were dropped, so it runs at second 0 of each matching minute`,
    );
  }
  if (process.randomDelay > 0) {
    warnings.addForProcess(process.name, 'random_delay', 'a CronJob has no random delay; the job starts on the schedule');
  }
  // A CronJob name leaves room for the 11 characters of its Jobs' suffix.
  const jobName = name.length > 52 ? dnsLabel(name, `processes.${process.name}`, warnings, 52) : name;
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(jobName, names.app, component, options),
    spec: {
      schedule: schedule?.fiveFields ?? '',
      // The supervisor never starts a run while the previous one is still going.
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels: selector(names.app, component) },
            spec: {
              restartPolicy: 'Never',
              terminationGracePeriodSeconds: Math.ceil(process.stopTimeout),
              containers: [container(model, process, names, component, options, warnings)],
            },
          },
        },
      },
    },
  };
}

function service(
  process: ExportedProcess,
  name: string,
  component: string,
  app: string,
  options: KubernetesOptions,
  warnings: ExportWarnings,
): IService {
  const proxy = process.proxy ?? { port: 0, address: '127.0.0.1' };
  if (!LOOPBACK.has(proxy.address)) {
    warnings.addForProcess(
      process.name,
      'proxy_address',
      `${proxy.address}: a Service is reachable inside the cluster only; expose it with an Ingress or type LoadBalancer`,
    );
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name, app, component, options),
    spec: {
      selector: selector(app, component),
      ports: [
        {
          name: process.protocol,
          port: proxy.port,
          targetPort: process.listenPort ?? proxy.port,
          protocol: process.protocol === 'udp' ? 'UDP' : 'TCP',
        },
      ],
    },
  };
}

/** Bytes as a Kubernetes quantity, in the largest binary unit that keeps it exact (`512Mi`). */
function memoryQuantity(bytes: number): string {
  for (const [unit, size] of [['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

function mapUnsupported(process: ExportedProcess, warnings: ExportWarnings): void {
  if (process.dependsOn.length > 0) {
    warnings.addForProcess(
      process.name,
      'depends_on',
      `Kubernetes starts every Deployment at once: ${process.dependsOn.join(', ')} may not be ready before ${process.name} starts; retry connections in the application, or add an initContainer that waits for them`,
    );
  }
  if (!process.scheduled && process.restart !== 'always') {
    warnings.addForProcess(
      process.name,
      'restart',
      `${process.restart}: a Deployment restarts its containers after every exit; run it as a Job if it is meant to end`,
    );
  }
  if (process.termSignal !== 'SIGTERM') {
    warnings.addForProcess(
      process.name,
      'term_signal',
      `${process.termSignal}: Kubernetes stops containers with the image's STOPSIGNAL (SIGTERM by default); set STOPSIGNAL ${process.termSignal} in the image`,
    );
  }
  if (process.restartMode === 'usr1' || process.restartMode === 'usr2') {
    warnings.addForProcess(
      process.name,
      'restart_mode',
      `${process.restartMode}: a rollout replaces pods; to reload in place, send the signal yourself (kubectl exec POD -- kill -${process.restartMode.toUpperCase()} 1)`,
    );
  }
  if (!process.scheduled && hasCustomRespawnLimit(process)) {
    warnings.addForProcess(
      process.name,
      'max_respawns',
      'Kubernetes restarts a crashed container forever, with growing back-off; the respawn limit was not exported',
    );
  }
  if (process.allocatePortFrom !== undefined && process.quantity > 1) {
    warnings.addForProcess(
      process.name,
      'allocate_port_from',
      `every pod has its own address, so all ${process.quantity} replicas listen on PORT=${process.allocatePortFrom} instead of consecutive ports`,
    );
  }
}
