// Turns `start`'s flags into what a new supervisor runs with.
import { isAbsolute, join } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { AppConfig } from '../config/types.js';
import type { StatusReply } from '../control/protocol.js';
import { ProcodileError } from '../errors.js';
import type { RunOptions } from '../daemon/run-supervisor.js';
import { VERSION } from '../version.js';
import type { CommandContext } from './define-command.js';
import { parsePortAllocations, parseProcessSelectors } from './option-values.js';
import { wantsColor } from './terminal.js';

/** The options of `start` a new supervisor runs with. */
export interface StartOptions {
  readonly processes: string | undefined;
  readonly tag: string | undefined;
  readonly noProcesses: boolean;
  readonly noRespawn: boolean;
  readonly stopWhenNone: boolean;
  readonly proxy: boolean;
  readonly noProxy: boolean;
  readonly ports: string | undefined;
  readonly envFile: string | undefined;
  readonly dev: boolean;
}

/** What a command with these options receives (CommandContext, whatever its other options). */
type ContextWith<O> = Pick<CommandContext, 'app' | 'env' | 'cwd'> & { options: O };

export function processNames(ctx: { options: { readonly processes: string | undefined } }): string[] | undefined {
  const value = ctx.options.processes;
  if (value === undefined) return undefined;
  const selectors = parseProcessSelectors(value);
  if (!selectors.ok) throw selectors.error;
  return selectors.value.map((s) => (s.instance === undefined ? s.name : `${s.name}.${s.instance}`));
}

/**
 * Processes a running supervisor still has instances of but the files on disk no longer
 * configure: those it has marked removed, and those it will mark at its next reload.
 */
export function removedButRunning(status: StatusReply | undefined, config: AppConfig): string[] {
  if (status === undefined) return [];
  const configured = new Set(config.processes.map((p) => p.name));
  return status.processes
    .filter((p) => p.removed || !configured.has(p.name))
    .filter((p) => (status.instances[p.name] ?? []).length > 0)
    .map((p) => p.name);
}

/** Names given to start/restart must be configured processes (as in Procodile, with Q6 fixed). */
export function validateProcessNames(config: AppConfig, selectors: string[] | undefined, removed: string[] = []): void {
  for (const selector of selectors ?? []) {
    const name = /^(.+)\.\d+$/.exec(selector)?.[1] ?? selector;
    const known = config.processes.some((p) => p.name === name || p.name === selector);
    if (known) continue;
    if (removed.includes(name)) {
      throw new ProcodileError(
        'REMOVED_PROCESS',
        `Process '${name}' has been removed from the Procfile and cannot be started or restarted. Run \`procodile stop -p ${name}\` to stop it.`,
      );
    }
    const names = config.processes.map((p) => p.name).join(', ');
    throw new ProcodileError('UNKNOWN_PROCESS', `Unknown process '${selector}'. A typo? Configured processes: ${names}.`);
  }
}

export function envFilePath(ctx: ContextWith<{ readonly envFile: string | undefined }>): string | undefined {
  const value = ctx.options.envFile;
  if (value === undefined) return undefined;
  const file = value === '' ? '.env' : value;
  return isAbsolute(file) ? file : join(ctx.app.root, file);
}

export function portAllocations(ctx: { options: { readonly ports: string | undefined } }): Record<string, number> {
  const value = ctx.options.ports;
  if (value === undefined) return {};
  const parsed = parsePortAllocations(value);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

export function supervisorRunOptions(ctx: ContextWith<StartOptions>, foreground: boolean): RunOptions {
  const o = ctx.options;
  const dev = o.dev;
  const names = processNames(ctx);
  const app = ctx.app;
  const location = { root: app.root, procfile: app.procfilePath };
  return {
    version: VERSION,
    foreground,
    respawn: !(dev || o.noRespawn),
    stopWhenNone: dev || o.stopWhenNone,
    // --no-proxy wins over --proxy, --dev and `proxy: true`.
    proxy: (dev || o.proxy) && !o.noProxy,
    envFile: envFilePath(ctx),
    portAllocations: portAllocations(ctx),
    given: { proxy: dev || o.proxy || o.noProxy, envFile: o.envFile !== undefined, portAllocations: o.ports !== undefined },
    tag: o.tag,
    initialProcesses: o.noProcesses ? 'none' : (names ?? 'all'),
    env: ctx.env,
    cwd: ctx.cwd,
    color: foreground && wantsColor(process.stdout, ctx.env),
    loadConfig: () => {
      const result = loadConfig(location);
      return result.ok ? { ok: true, value: { ...result.value, explicitProcfile: app.explicitProcfile } } : result;
    },
  };
}
