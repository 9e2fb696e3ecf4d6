// `procodile help`: the list of commands.
import { VERSION } from '../../version.js';
import { defineCommand } from '../define-command.js';
import { renderHelp } from '../help.js';

export const helpCommand = defineCommand({
  name: 'help',
  description: 'Show this help output',
  options: [],
  behaviour: { loadsApp: false },
  run: async ({ term, commands }) => {
    term.out(renderHelp(term.color, VERSION, await commands()));
    return 0;
  },
});
