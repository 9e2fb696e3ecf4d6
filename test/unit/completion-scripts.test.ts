// The completion scripts are written from the command definitions: every command and every option
// is in each of them, so a new one cannot be forgotten.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GLOBAL_OPTIONS } from '../../src/cli/args.js';
import { loadAllCommands } from '../../src/cli/command-registry.js';
import { completionScript, SHELLS } from '../../src/cli/completion-scripts.js';

const COMMANDS = await loadAllCommands();

describe('completion scripts', () => {
  for (const shell of SHELLS) {
    it(`${shell} knows every command and option of the command table`, () => {
      const text = completionScript(shell, COMMANDS);
      const missing: string[] = [];
      for (const command of COMMANDS) {
        if (!new RegExp(`\\b${command.name}\\b`).test(text)) missing.push(command.name);
        for (const spec of [...GLOBAL_OPTIONS, ...command.options]) {
          const long = shell === 'fish' ? `-l ${spec.long}` : `--${spec.long}`;
          if (!text.includes(long)) missing.push(`${command.name} ${long}`);
        }
      }
      assert.deepEqual(missing, []);
    });
  }
});
