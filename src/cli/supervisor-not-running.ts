// Before telling the user to `start` a supervisor, or starting one, make sure none runs for
// this root from another pid directory: that would give one application two supervisors.
import { realpathSync } from 'node:fs';
import type { AppConfig } from '../config/types.js';
import { findSupervisorsOf, type RunningSupervisor } from '../daemon/find-supervisor.js';
import { ProcodileError, supervisorElsewhere } from '../errors.js';

/** Live supervisors of this root that do not hold its pid directory. */
export function supervisorsElsewhere(app: AppConfig): RunningSupervisor[] {
  // One that holds our own pid directory is ours, merely not answering yet: not elsewhere.
  const ours = realPath(app.pidRoot);
  return findSupervisorsOf(app.root).filter((s) => s.pidDirectory === undefined || s.pidDirectory !== ours);
}

/** The "isn't running" error, or what to do instead when the supervisor runs elsewhere. */
export function explainNotRunning(app: AppConfig, error: ProcodileError): ProcodileError {
  const running = supervisorsElsewhere(app);
  return running.length === 0 ? error : supervisorElsewhere(app.root, app.pidRoot, running);
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
