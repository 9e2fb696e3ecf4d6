// `procodile help`: the list of commands; `procodile help COMMAND`: that command's options.
import { ProcodileError } from '../../errors.js';
import { VERSION } from '../../version.js';
import { defineCommand } from '../define-command.js';
import { renderCommandHelp, renderHelp, renderInvalidCommand } from '../help.js';

export const helpCommand = defineCommand({
  name: 'help',
  description: 'Show this help output',
  options: [],
  behaviour: { loadsApp: false },
  run: async ({ term, commands, args }) => {
    const all = await commands();
    const [name] = args.extraArgs;
    if (name === undefined) {
      term.out(renderHelp(term.color, VERSION, all));
      return 0;
    }
    const command = all.find((c) => c.name === name);
    if (command === undefined) throw new ProcodileError('INVALID_COMMAND', renderInvalidCommand(name));
    term.out(renderCommandHelp(command, term.color));
    return 0;
  },
});
