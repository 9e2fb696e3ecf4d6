// Ready-made configuration values for unit tests.
import type { ProcessDefinition } from '../../src/config/types.js';
import type { StatusReply } from '../../src/control/protocol.js';

/** A status reply of an application at `root` with nothing running; `overrides` replace fields. */
export function statusReply(root: string, overrides: Partial<StatusReply> = {}): StatusReply {
  return {
    version: '0.9',
    messages: [],
    root,
    app_name: 'app',
    supervisor: { started_at: 1, pid: process.pid, proxy_enabled: false },
    instances: {},
    processes: [],
    runtime_issues: [],
    environment_variables: {},
    procfile_path: '',
    options_path: '',
    local_options_path: '',
    sock_path: '',
    supervisor_pid_path: '',
    pid_root: '',
    loaded_at: 0,
    ...overrides,
  };
}

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
    restart: 'always',
    minUptime: 5,
    maxBackoff: 60,
    ...overrides,
  };
}

/** A Procfile.options that sets every key Procodile knows, as Procodile's own test suite does. */
export const FULL_OPTIONS = `app_name: specapp
pid_root: tmp/pids
log_path: log/procodile.log
console_command: irb -Ilib
exec_prefix: bundle exec
env:
  RAILS_ENV: production
  FRUIT: apple
  VEGETABLE: potato
  PORT: 3000
processes:
  proc1:
    quantity: 2
    restart_mode: USR2
    term_signal: TERM
    allocate_port_from: 3005
    proxy_address: 127.0.0.1
    proxy_port: 2018
    network_protocol: tcp
    random_delay: 10
`;
