// The numbered chooser shown when the global configuration lists several applications (as in Procodile).
import { createInterface } from 'node:readline';
import type { GlobalConfigEntry } from '../config/app-resolution.js';
import { ProcodileError } from '../errors.js';
import type { Terminal } from './terminal.js';

/** Resolves to the 0-based index chosen, or undefined at the end of input. */
export async function chooseApp(term: Terminal, entries: GlobalConfigEntry[], configPath: string): Promise<number | undefined> {
  term.out(`There are multiple applications configured in ${configPath}`);
  term.out(term.color.bgMagenta(term.color.white('Choose an application:')));
  const cells = entries.map((e, i) => `${i + 1}) ${(e.name ?? e.root).slice(0, 28)}`.padEnd(30));
  for (let i = 0; i < cells.length; i += 3) term.out(cells.slice(i, i + 3).join(''));
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string | undefined>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(undefined));
  });
  rl.close();
  if (answer === undefined) return undefined;
  const index = Number(answer.trim()) - 1;
  if (!Number.isInteger(index) || entries[index] === undefined) {
    throw new ProcodileError('INVALID_ARGUMENT', `Invalid app number: ${answer.trim()}`);
  }
  return index;
}
