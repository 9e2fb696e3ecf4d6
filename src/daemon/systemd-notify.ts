// Tells systemd how the supervisor is doing when it runs as a Type=notify service (D8).
// Node cannot send unix datagrams, so the notification goes through systemd-notify, with our
// pid as MAINPID so systemd attributes it to the service (the unit sets NotifyAccess=all).
import { spawn } from 'node:child_process';
import type { Logger } from '../logging/logger.js';

export type NotifyState = 'READY=1' | 'STOPPING=1' | 'RELOADING=1';

export function notifySystemd(state: NotifyState, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  if (env.NOTIFY_SOCKET === undefined || env.NOTIFY_SOCKET === '') return Promise.resolve();
  return new Promise((resolve) => {
    const child = spawn('systemd-notify', [`MAINPID=${process.pid}`, state], { stdio: 'ignore', env });
    child.once('error', (error) => {
      logger.log('system', `Could not notify systemd (${state}): ${error.message}`);
      resolve();
    });
    child.once('exit', (code) => {
      if (code !== 0) logger.log('system', `systemd-notify ${state} exited with status ${code}`);
      resolve();
    });
  });
}
