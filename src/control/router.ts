// From each control request to a supervisor call, and from its result to the reply: the only
// place that knows both the wire format (snake_case fields, Procodile 2's reply shapes) and the
// supervisor's own types. Requests arrive validated (protocol.ts), so nothing here casts.
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Instance } from '../supervisor/instance.js';
import type { InstanceJson, Replies, Request } from './protocol.js';
import { buildIdentity, buildStatus, supervisorView } from './status-reply.js';

export type Router = (request: Request) => Promise<Replies[Request['command']]>;

/** Answers requests once `ready` resolves: the first reply already describes start-up's work. */
export function createRouter(supervisor: Supervisor, ready: Promise<void>): Router {
  const view = (instance: Instance): InstanceJson => supervisorView(supervisor, instance);
  return async (request) => {
    // Who it is does not depend on start-up's work: a client checking that it talks to its
    // own application's supervisor need not wait for thousands of instances to start.
    if (request.command === 'identify') return buildIdentity(supervisor);
    await ready;
    switch (request.command) {
      case 'status':
        return buildStatus(supervisor);
      case 'reload_config': {
        const result = supervisor.reloadConfig();
        if (!result.ok) throw result.error;
        // Procodile 2 clients get exactly `{"ok":true}`; ours ask for the changes too.
        return request.options.report_changes === true ? { ok: true, changes: result.value } : { ok: true };
      }
      case 'start_processes': {
        const { process_names, tag, port_allocations, wait } = request.options;
        const outcome = await supervisor.startProcesses({ processNames: process_names, tag, portAllocations: port_allocations, wait }, view);
        const reply: Replies['start_processes'] = { started_instances: outcome.started };
        if (outcome.errors.length > 0) reply.errors = outcome.errors;
        if (outcome.releaseOutput !== undefined) reply.release_output = outcome.releaseOutput;
        return reply;
      }
      case 'stop': {
        const { process_names, stop_supervisor } = request.options;
        return { stopped_instances: supervisor.stop({ processNames: process_names, stopSupervisor: stop_supervisor }, view) };
      }
      case 'restart': {
        const { process_names, tag, wait } = request.options;
        const outcome = await supervisor.restart({ processNames: process_names, tag, wait }, view);
        const reply: Replies['restart'] = {
          changes: outcome.changes.map((c) => ({ previous_instance: c.previous, current_instance: c.current })),
        };
        if (outcome.warnings.length > 0) reply.warnings = outcome.warnings;
        if (outcome.errors.length > 0) reply.errors = outcome.errors;
        if (outcome.releaseOutput !== undefined) reply.release_output = outcome.releaseOutput;
        return reply;
      }
      case 'check_concurrency': {
        const { started, stopped } = await supervisor.checkConcurrency({ reload: request.options.reload }, view);
        return { started_instances: started, stopped_instances: stopped };
      }
    }
  };
}
