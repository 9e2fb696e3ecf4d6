// `procodile completion bash|zsh|fish` prints a completion script; `completion --processes`
// prints the application's process names for it, and nothing at all when there is no
// application to read: a completion must never print an error into the user's command line.
import { resolveAppLocation } from '../../config/app-resolution.js';
import { loadConfig } from '../../config/load-config.js';
import { ProcodileError } from '../../errors.js';
import type { ParsedArgs } from '../args.js';
import { completionScript, SHELLS, type Shell } from '../completion-scripts.js';
import type { Terminal } from '../terminal.js';

const isShell = (word: string | undefined): word is Shell => (SHELLS as readonly string[]).includes(word ?? '');

export async function runCompletion(args: ParsedArgs, term: Terminal): Promise<number> {
  if (args.options.processes === true) {
    for (const name of await processNames(args)) term.out(name);
    return 0;
  }
  const [shell, ...rest] = args.extraArgs;
  if (!isShell(shell) || rest.length > 0) {
    throw new ProcodileError(
      'INVALID_ARGUMENT',
      `Name one shell: procodile completion ${SHELLS.join('|')} (got ${args.extraArgs.length === 0 ? 'none' : args.extraArgs.join(' ')})`,
    );
  }
  term.out(completionScript(shell));
  return 0;
}

async function processNames(args: ParsedArgs): Promise<string[]> {
  try {
    const location = await resolveAppLocation({
      cwd: process.cwd(),
      root: args.global.root,
      procfile: args.global.procfile,
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
