// What the supervisor is asked to do and what it answers, in its own terms: the control
// socket's router (src/control/router.ts) maps the wire format onto these and back.
import type { Instance } from './instance.js';
import type { RestartChange } from './restart.js';

export interface StartRequest {
  /** Answer only once every started instance is ready. */
  wait?: boolean;
  processNames?: string[];
  tag?: string;
  portAllocations?: Record<string, number>;
}

export interface StopRequest {
  processNames?: string[];
  /** Shut the supervisor down once nothing is left. */
  stopSupervisor?: boolean;
}

export interface RestartRequest {
  /** Answer only once every new instance is ready. */
  wait?: boolean;
  processNames?: string[];
  tag?: string;
}

export interface StartOutcome<T> {
  started: T[];
  /** A failed release_command, or instances that did not become ready in time. */
  errors: string[];
  /** The failed release_command's output, a line each. */
  releaseOutput?: string[];
}

export interface RestartResult<T> {
  changes: RestartChange<T>[];
  warnings: string[];
  errors: string[];
  releaseOutput?: string[];
}

/**
 * How a caller sees an instance at the moment it is reported (the control socket's JSON, say):
 * the supervisor hands each instance to it at that moment, before anything else can change it.
 */
export type InstanceView<T> = (instance: Instance) => T;
