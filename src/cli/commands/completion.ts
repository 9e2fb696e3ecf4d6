// `procodile completion bash|zsh|fish` prints a completion script; `completion --processes`
// prints the application's process names for it, and nothing at all when there is no
// application to read: a completion must never print an error into the user's command line.
import { resolveAppLocation } from '../../config/app-resolution.js';
import { loadConfig } from '../../config/load-config.js';
import { ProcodileError } from '../../errors.js';
import type { GlobalOptions } from '../args.js';
import { completionScript, SHELLS, type Shell } from '../completion-scripts.js';
import { defineCommand, type CommandContext } from '../define-command.js';

const isShell = (word: string | undefined): word is Shell => (SHELLS as readonly string[]).includes(word ?? '');

async function runCompletion(ctx: CommandContext<typeof OPTIONS, undefined>): Promise<number> {
  const { args, term } = ctx;
  if (ctx.options.processes) {
    for (const name of await processNames(args.global)) term.out(name);
    return 0;
  }
  const [shell, ...rest] = args.extraArgs;
  if (!isShell(shell) || rest.length > 0) {
    throw new ProcodileError(
      'INVALID_ARGUMENT',
      `Name one shell: procodile completion ${SHELLS.join('|')} (got ${args.extraArgs.length === 0 ? 'none' : args.extraArgs.join(' ')})`,
    );
  }
  term.out(completionScript(shell, await ctx.commands()));
  return 0;
}

async function processNames(global: GlobalOptions): Promise<string[]> {
  try {
    const location = await resolveAppLocation({
      cwd: process.cwd(),
      root: global.root,
      procfile: global.procfile,
      env: process.env,
      // Several applications in /etc/procodile: there is nobody to ask in the middle of a completion.
      choose: () => Promise.resolve(undefined),
    });
    if (!location.ok) return [];
    const config = loadConfig(location.value);
    return config.ok ? config.value.processes.map((p) => p.name) : [];
  } catch {
    return [];
  }
}

const OPTIONS = [
  {
    long: 'processes',
    value: 'none',
    help: "Print the process names of the application's Procfile, one a line (the scripts ask for them)",
  },
] as const;

export const completionCommand = defineCommand({
  name: 'completion',
  description: 'Print a shell completion script (bash, zsh or fish)',
  options: OPTIONS,
  note: 'Usage: procodile completion bash|zsh|fish. Load it with `source <(procodile completion bash)` (zsh alike) or `procodile completion fish | source`.',
  // It reads the Procfile itself, quietly: an error must never reach the user's command line.
  behaviour: { loadsApp: false },
  run: runCompletion,
});
