// A Supervisor on a pretend operating system and a virtual clock, for unit tests of its
// rules: nothing is spawned, nothing waits on real time. Only its adoption record is a real
// file, in a temporary pid directory removed by `close`.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'node:test';
import type { AppConfig, ProcessDefinition } from '../../src/config/types.js';
import { ok } from '../../src/errors.js';
import { Supervisor, type SupervisorOptions } from '../../src/supervisor/supervisor.js';
import { FakeClock } from './fake-clock.js';
import { FakeProcessOps } from './fake-process-ops.js';
import { FakeProbes } from './fake-probes.js';
import { definition } from './fixtures.js';

export interface FakeSupervisor {
  supervisor: Supervisor;
  ops: FakeProcessOps;
  clock: FakeClock;
  /** Ready checks pass when the test says so. */
  probes: FakeProbes;
  /** Every log line, as `NAME: message`. */
  lines: string[];
  /** What the next reload reads (a test changes it to change the configuration). */
  config: AppConfig;
  pidFile(description: string): string;
  close(): void;
}

export function appConfig(pidRoot: string, processes: ProcessDefinition[]): AppConfig {
  return {
    root: '/srv/app',
    procfilePath: '/srv/app/Procfile',
    explicitProcfile: false,
    optionsPath: '/srv/app/Procfile.options',
    localOptionsPath: '/srv/app/Procfile.local',
    appName: 'app',
    pidRoot,
    sockPath: join(pidRoot, 'procodile.sock'),
    supervisorPidPath: join(pidRoot, 'procodile.pid'),
    logPath: '/srv/app/procodile.log',
    env: {},
    processes,
    loadedAt: 0,
  };
}

export function fakeSupervisor(
  processes: Partial<ProcessDefinition>[],
  setUp?: (ops: FakeProcessOps) => void,
  more: Partial<SupervisorOptions> & { app?: Partial<AppConfig> } = {},
): FakeSupervisor {
  const pidRoot = mkdtempSync('/tmp/pc-unit-');
  const ops = new FakeProcessOps();
  setUp?.(ops);
  const clock = new FakeClock();
  const lines: string[] = [];
  const probes = new FakeProbes();
  const { app, ...options } = more;
  const harness: FakeSupervisor = {
    ops,
    clock,
    probes,
    lines,
    config: {
      ...appConfig(
        pidRoot,
        processes.map((p) => definition(p)),
      ),
      ...app,
    },
    pidFile: (description) => join(pidRoot, `${description}.pid`),
    supervisor: undefined as unknown as Supervisor,
    close: () => {
      harness.supervisor.shutdown();
      rmSync(pidRoot, { recursive: true, force: true });
    },
  };
  harness.supervisor = new Supervisor(harness.config, {
    version: 'test',
    foreground: false,
    respawn: true,
    stopWhenNone: false,
    proxy: false,
    portAllocations: {},
    initialProcesses: 'all',
    env: {},
    cwd: '/srv/app',
    loadConfig: () => ok(harness.config),
    logger: { log: (name, message) => void lines.push(`${name}: ${message}`) },
    onShutdown: () => undefined,
    ops,
    clock,
    // The middle of the jitter band: backoffs are exactly 1 s, 2 s, 4 s...
    random: () => 0.5,
    probes,
    ...options,
  });
  return harness;
}

/** A maker of fake supervisors for one test file: each is closed after the test that made it. */
export function fakeSupervisors(): typeof fakeSupervisor {
  let open: FakeSupervisor[] = [];
  afterEach(() => {
    for (const h of open) h.close();
    open = [];
  });
  return (...args) => {
    const h = fakeSupervisor(...args);
    open.push(h);
    return h;
  };
}
