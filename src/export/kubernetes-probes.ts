// How `ready:` becomes Kubernetes probes for a Deployment's container (README, "When one
// machine is not enough"), and what is said when it cannot.
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { ExportedProcess } from './export-model.js';
import type { ExportWarnings } from './warnings.js';

/** Seconds between two probes. */
const PROBE_PERIOD = 5;

/**
 * Where `ready:` becomes a readinessProbe, and a livenessProbe for the network checks (a
 * port that stops answering means a stuck process); it starts after ready_timeout, which a
 * new instance has to become ready.
 */
export function probes(process: ExportedProcess, warnings: ExportWarnings): Pick<IContainer, 'readinessProbe' | 'livenessProbe'> {
  const readiness = process.readiness;
  if (readiness.kind === 'none') return {};
  const noProbe = (why: string) => {
    warnings.addForProcess(process.name, 'ready', `${readiness.kind}: ${why}; the container gets no readinessProbe and takes traffic once it runs`);
    return {};
  };
  // A pod that is not ready within ready_timeout is restarted, as procodile gives up on it.
  const timing = { periodSeconds: PROBE_PERIOD, failureThreshold: Math.max(1, Math.ceil(readiness.timeout / PROBE_PERIOD)) };
  switch (readiness.kind) {
    case 'notify':
      return noProbe('Kubernetes has no sd_notify socket and no probe that could stand in for one');
    case 'log':
      return noProbe('Kubernetes cannot probe a container\'s output');
    case 'command':
      return { readinessProbe: { exec: { command: ['/bin/sh', '-c', readiness.command] }, ...timing } };
    case 'tcp':
    case 'http': {
      if (process.listenPort === undefined) return noProbe('the process has no port to check (allocate_port_from or proxy_port)');
      const port = process.listenPort;
      // A fresh object each time: a shared one would come out as a YAML anchor and alias.
      const handler = () => (readiness.kind === 'tcp' ? { tcpSocket: { port } } : { httpGet: { path: readiness.path, port } });
      return {
        readinessProbe: { ...handler(), ...timing },
        livenessProbe: { ...handler(), initialDelaySeconds: readiness.timeout, periodSeconds: 10, failureThreshold: 3 },
      };
    }
  }
}
