// Ready-made configuration values for unit tests.
import type { ProcessDefinition } from '../../src/config/types.js';

export function definition(overrides: Partial<ProcessDefinition> = {}): ProcessDefinition {
  return {
    name: 'web',
    command: 'sleep 300',
    color: 'magenta',
    quantity: 1,
    restartMode: 'term-start',
    maxRespawns: 5,
    respawnWindow: 3600,
    logPath: '/tmp/web.log',
    termSignal: 'SIGTERM',
    networkProtocol: 'tcp',
    randomDelay: 0,
    env: {},
    stopTimeout: 10,
    ...overrides,
  };
}
