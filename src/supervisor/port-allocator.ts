// Chooses the PORT an instance gets (as in Procodile): a fixed or random port from `--ports`, a
// random one for proxied processes, or the lowest free slot from allocate_port_from.
import { createServer } from 'node:net';
import type { NetworkProtocol, ProcessDefinition } from '../config/types.js';
import type { Instance } from './instance.js';
import { dgramModule } from '../on-demand-builtins.js';

const RANDOM_PORT_MIN = 20000;
const RANDOM_PORT_MAX = 29999;
const RANDOM_PORT_TRIES = 10;

/** `given`: a port from `start --ports`; `range`: the next slot of allocate_port_from. */
export type PortChoice = { kind: 'none' } | { kind: 'fixed'; port: number; from: 'given' | 'range' } | { kind: 'random' };

/** How many taken ports allocate_port_from steps over before it gives up. */
const RANGE_TRIES = 100;

export interface PortRules {
  /** From `start --ports`: 0 means a random port. */
  allocations: Record<string, number>;
  proxyEnabled: boolean;
}

export function choosePort(definition: ProcessDefinition, usedPorts: number[], rules: PortRules): PortChoice {
  const fixed = rules.allocations[definition.name];
  if (fixed !== undefined) return fixed === 0 ? { kind: 'random' } : { kind: 'fixed', port: fixed, from: 'given' };
  if (definition.proxyPort !== undefined && rules.proxyEnabled) return { kind: 'random' };
  if (definition.allocatePortFrom !== undefined) {
    let port = definition.allocatePortFrom;
    while (usedPorts.includes(port)) port += 1;
    return { kind: 'fixed', port, from: 'range' };
  }
  return { kind: 'none' };
}

/** Where a port is tried (as in Procodile): a wildcard listener elsewhere also makes this fail. */
const PROBE_HOST = '127.0.0.1';

export function isPortFree(port: number, protocol: NetworkProtocol): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const socket = dgramModule().createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, PROBE_HOST, () => socket.close(() => resolve(true)));
      return;
    }
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, PROBE_HOST, () => server.close(() => resolve(true)));
  });
}

/** A random free port in 20000-29999, or undefined after ten taken ones. */
export async function findRandomPort(protocol: NetworkProtocol): Promise<number | undefined> {
  for (let i = 0; i < RANDOM_PORT_TRIES; i += 1) {
    const port = RANDOM_PORT_MIN + Math.floor(Math.random() * (RANDOM_PORT_MAX - RANDOM_PORT_MIN + 1));
    if (await isPortFree(port, protocol)) return port;
  }
  return undefined;
}

/** Gives an instance its port if it has none yet (a respawn keeps its own); a failure message otherwise. */
export async function assignPort(
  definition: ProcessDefinition,
  instance: Instance,
  usedPorts: number[],
  rules: PortRules,
  log: (message: string) => void,
): Promise<string | undefined> {
  if (instance.port !== undefined) return undefined;
  const choice = choosePort(definition, usedPorts, rules);
  switch (choice.kind) {
    case 'none':
      return undefined;
    case 'fixed': {
      // A port our own instances hold is theirs to share (the same --ports value for every
      // instance); any other program on it would make the instance crash on bind.
      let port = choice.port;
      if (choice.from === 'given') {
        if (!usedPorts.includes(port) && !(await isPortFree(port, definition.networkProtocol))) {
          return `port ${port} (${PROBE_HOST}:${port}, ${definition.networkProtocol}) is already in use by another program; stop it, or give ${definition.name} another port with --ports.`;
        }
      } else {
        const taken = [...usedPorts];
        for (let tries = 0; !(await isPortFree(port, definition.networkProtocol)); tries += 1) {
          if (tries === RANGE_TRIES) {
            return `no free port for ${definition.name} in ${choice.port}-${port} (allocate_port_from ${definition.allocatePortFrom ?? choice.port}); every one is in use.`;
          }
          log(`Port ${port} is in use by another program; trying the next one`);
          taken.push(port);
          while (taken.includes(port)) port += 1;
        }
      }
      instance.port = port;
      log(`Assigned ${port} to process`);
      return undefined;
    }
    case 'random': {
      const port = await findRandomPort(definition.networkProtocol);
      if (port === undefined) return `Couldn't allocate port for ${definition.name}`;
      instance.port = port;
      log(`Allocated port as ${port}`);
      return undefined;
    }
  }
}
