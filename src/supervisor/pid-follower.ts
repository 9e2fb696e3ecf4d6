// PID_FILE, the file each instance may rewrite: a process that re-executes itself (unicorn,
// for one) writes its successor's pid there, and the supervisor follows it. Anyone who can
// write the file could name any pid, so it is followed only to a process of the instance: a
// member of its process group or a descendant (README.md, "Pid files and what procodile
// signals"). Any other pid is logged once and the file gets the real pid back.
import type { Instance } from './instance.js';
import type { ProcessRef } from './instance-state.js';
import type { ProcessOps } from './process-ops.js';

export class PidFollower {
  readonly #ops: ProcessOps;
  readonly #pidFile: (instance: Instance) => string;
  readonly #log: (instance: Instance, message: string) => void;
  /** The last pid each instance refused to follow, so it is logged once. */
  readonly #ignored = new WeakMap<Instance, number>();

  constructor(ops: ProcessOps, pidFile: (instance: Instance) => string, log: (instance: Instance, message: string) => void) {
    this.#ops = ops;
    this.#pidFile = pidFile;
    this.#log = log;
  }

  /**
   * Writes the new instance's pid, unless the child already wrote a successor of its own there
   * (it can run before the supervisor gets to this): that one is followed on the next look.
   */
  claim(instance: Instance, path: string): void {
    const pid = instance.pid;
    if (pid === undefined) return;
    // Created only if absent: the child may write its successor between a read and a write.
    if (this.#ops.claimPidFile(path, pid)) return;
    const early = this.#ops.readPidFile(path);
    if (early === undefined || early === pid || !this.#ops.isPartOfInstance(early, pid, pid)) this.#ops.writePidFile(path, pid);
  }

  /** Follows a successor named in the pid file while the main process may live; true when followed. */
  refresh(instance: Instance): boolean {
    const filePid = this.#candidate(instance);
    if (filePid === undefined) return false;
    const mainAlive = instance.isAlive();
    if (this.#ops.isPartOfInstance(filePid, mainAlive ? instance.pid : undefined, instance.pgid)) {
      this.#follow(instance, filePid);
      return true;
    }
    this.#ignore(instance, filePid, mainAlive);
    return false;
  }

  /** The main process died: a successor in its group takes over (its dead pid proves nothing). */
  followAfterDeath(instance: Instance): boolean {
    const filePid = this.#candidate(instance);
    if (filePid === undefined) return false;
    if (this.#ops.isPartOfInstance(filePid, undefined, instance.pgid)) {
      this.#follow(instance, filePid);
      return true;
    }
    this.#ignore(instance, filePid, false);
    return false;
  }

  #candidate(instance: Instance): number | undefined {
    const filePid = this.#ops.readPidFile(this.#pidFile(instance));
    if (filePid === undefined || filePid === instance.pid || !this.#ops.isAlive(filePid)) return undefined;
    return filePid;
  }

  #follow(instance: Instance, pid: number): void {
    const stat = this.#ops.stat(pid);
    const state = instance.state;
    const process: ProcessRef = {
      pid,
      pgid: stat?.pgid,
      procStartTime: stat?.startTime,
      startedAtMs: instance.process?.startedAtMs ?? Date.now(),
    };
    if (state.name === 'stopping') instance.moveTo({ ...state, process });
    else instance.moveTo({ name: 'running', process, readyAtMs: state.name === 'running' ? state.readyAtMs : process.startedAtMs });
    this.#log(instance, `PID file changed, Updated pid to ${pid}`);
  }

  #ignore(instance: Instance, filePid: number, restore: boolean): void {
    if (this.#ignored.get(instance) !== filePid) {
      this.#ignored.set(instance, filePid);
      this.#log(instance, `PID file names PID ${filePid}, which is not part of ${instance.description}; ignored`);
    }
    if (!restore || instance.pid === undefined) return;
    try {
      this.#ops.writePidFile(this.#pidFile(instance), instance.pid);
    } catch (error) {
      this.#log(instance, `Could not write ${this.#pidFile(instance)}: ${(error as Error).message}`);
    }
  }
}
