// Finds settings that several applications on one host share but must not (D7), for
// `procodile check`.
import type { AppConfig, ProcessDefinition } from './types.js';

interface Claim {
  app: AppConfig;
  /** What makes the claim, e.g. `pid_root` or `processes.web output log`. */
  setting: string;
}

/** Human-readable conflicts between the given applications, in a stable order; empty when none. */
export function findConflicts(configs: AppConfig[]): string[] {
  return [
    ...sharedPidRoots(configs),
    ...sharedLogFiles(configs),
    ...sharedProxyListeners(configs),
    ...overlappingPorts(configs),
  ];
}

function sharedPidRoots(configs: AppConfig[]): string[] {
  const claims = new Map<string, Claim[]>();
  for (const app of configs) add(claims, app.pidRoot, { app, setting: 'pid_root' });
  return report(
    claims,
    (path, a, b) =>
      `pid_root ${path} is used by both ${a.app.root} and ${b.app.root}; give each application its own pid_root.`,
  );
}

function sharedLogFiles(configs: AppConfig[]): string[] {
  const claims = new Map<string, Claim[]>();
  for (const app of configs) {
    add(claims, app.logPath, { app, setting: 'supervisor log_path' });
    for (const process of app.processes) {
      add(claims, process.logPath, { app, setting: `processes.${process.name} output log` });
    }
  }
  // Inside one application two processes may share a log on purpose; across applications never.
  return report(
    claims,
    (path, a, b) =>
      `log file ${path} is used by both ${a.app.root} (${a.setting}) and ${b.app.root} (${b.setting}); ` +
      'set log_path or log_root so that each application writes its own logs.',
    (a, b) => a.app !== b.app,
  );
}

function sharedProxyListeners(configs: AppConfig[]): string[] {
  const conflicts: string[] = [];
  const proxied = configs.flatMap((app) =>
    app.processes.filter((process) => process.proxyPort !== undefined).map((process) => ({ app, process })),
  );
  for (const [i, a] of proxied.entries()) {
    for (const b of proxied.slice(i + 1)) {
      if (a.process.proxyPort !== b.process.proxyPort) continue;
      const addressA = a.process.proxyAddress ?? '127.0.0.1';
      const addressB = b.process.proxyAddress ?? '127.0.0.1';
      if (addressA !== addressB && !isWildcard(addressA) && !isWildcard(addressB)) continue;
      conflicts.push(
        `proxy ${addressA}:${a.process.proxyPort} (${describe(a.app, a.process)}) and ` +
          `${addressB}:${b.process.proxyPort} (${describe(b.app, b.process)}) listen on the same port; ` +
          'change proxy_port or proxy_address of one of them.',
      );
    }
  }
  return conflicts;
}

function overlappingPorts(configs: AppConfig[]): string[] {
  const conflicts: string[] = [];
  const ranges = configs.flatMap((app) =>
    app.processes.flatMap((process) => {
      // A quantity of 0 takes no port; a start-term restart holds max_surge more while it rolls.
      const from = process.allocatePortFrom;
      if (from === undefined || process.quantity < 1) return [];
      const surge = process.restartMode === 'start-term' ? (process.maxSurge ?? 1) : 0;
      return [{ app, process, from, to: from + process.quantity + surge - 1 }];
    }),
  );
  for (const [i, a] of ranges.entries()) {
    for (const b of ranges.slice(i + 1)) {
      if (a.from > b.to || b.from > a.to) continue;
      conflicts.push(
        `allocate_port_from ranges overlap: ${a.from}-${a.to} (${describe(a.app, a.process)}) and ` +
          `${b.from}-${b.to} (${describe(b.app, b.process)}); move one allocate_port_from so the ranges ` +
          '[allocate_port_from, allocate_port_from + quantity - 1] (plus max_surge with start-term) do not meet.',
      );
    }
  }
  return conflicts;
}

function add(claims: Map<string, Claim[]>, key: string, claim: Claim): void {
  const list = claims.get(key);
  if (list) list.push(claim);
  else claims.set(key, [claim]);
}

/** One message per pair of claims on the same key that `relevant` says conflict. */
function report(
  claims: Map<string, Claim[]>,
  message: (key: string, a: Claim, b: Claim) => string,
  relevant: (a: Claim, b: Claim) => boolean = () => true,
): string[] {
  const messages: string[] = [];
  for (const [key, list] of claims) {
    for (const [i, a] of list.entries()) {
      for (const b of list.slice(i + 1)) if (relevant(a, b)) messages.push(message(key, a, b));
    }
  }
  return messages;
}

function describe(app: AppConfig, process: ProcessDefinition): string {
  return `processes.${process.name} of ${app.root}`;
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}
