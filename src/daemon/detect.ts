// Whether a supervisor is running for an application (as in Procodile): its pid file names a live
// process and its socket accepts a connection.
import type { AppConfig } from '../config/types.js';
import { canConnect } from '../control/client.js';
import { isAlive } from '../proc/liveness.js';
import { readPidFile } from '../runtime/pid-files.js';

const SOCKET_PROBE_MS = 300;

export interface SupervisorPresence {
  running: boolean;
  pid?: number;
}

export async function detectSupervisor(config: AppConfig): Promise<SupervisorPresence> {
  const pid = readPidFile(config.supervisorPidPath);
  if (pid === undefined || !isAlive(pid)) return { running: false };
  const answering = await canConnect(config.sockPath, SOCKET_PROBE_MS);
  return answering ? { running: true, pid } : { running: false, pid };
}
