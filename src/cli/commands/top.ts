// `procodile top`: a live view of what every instance of one application (or of every
// configured one) uses, refreshed every second, until `q`.
import type { AppConfig } from '../../config/types.js';
import { sendRequest } from '../../control/client.js';
import { defineCommand, type CommandContext } from '../define-command.js';
import { hostStatus } from '../host-status.js';
import { openLiveScreen } from '../live-screen.js';
import { frameOfHost, frameOfStatus, renderTop, type TopFrame, type TopSort } from '../output/top-view.js';

const REFRESH_MS = 1000;

async function runTop(ctx: CommandContext<typeof OPTIONS, AppConfig | undefined>): Promise<number> {
  const { options: o, term } = ctx;
  const app = ctx.app;
  const fetchFrame = async (): Promise<TopFrame> => {
    if (o.all || app === undefined) return frameOfHost(await hostStatus(ctx.env, ctx.cwd));
    return frameOfStatus(await sendRequest(app, 'status', {}));
  };
  let sort: TopSort = o.sort === 'memory' ? 'memory' : 'cpu';
  // Not a terminal: one frame, as text, for a script or a pipe.
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    term.out(renderTop(await fetchFrame(), sort, { columns: 200, rows: 10_000 }, new Date()).join('\n'));
    return 0;
  }
  let frame = await fetchFrame();
  let problem: string | undefined;
  const screen = openLiveScreen(process.stdin, process.stdout, (key) => {
    if (key === 'c' || key === 'm') {
      sort = key === 'c' ? 'cpu' : 'memory';
      draw();
    }
  });
  const draw = (): void => {
    const lines = renderTop(frame, sort, screen.size(), new Date());
    screen.draw(problem === undefined ? lines : [...lines, '', `Could not refresh: ${problem}`]);
  };
  let busy = false;
  const refresh = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      frame = await fetchFrame();
      problem = undefined;
    } catch (error) {
      problem = (error as Error).message.split('\n')[0];
    } finally {
      busy = false;
    }
    draw();
  };
  draw();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  const onResize = (): void => draw();
  process.stdout.on('resize', onResize);
  try {
    await screen.closed;
  } finally {
    clearInterval(timer);
    process.stdout.off('resize', onResize);
    screen.close();
  }
  return 0;
}

const OPTIONS = [
  { long: 'all', value: 'none', help: 'Every application listed in /etc/procodile (or PROCODILE_CONFIG)' },
  { long: 'sort', value: 'required', placeholder: 'KEY', choices: ['cpu', 'memory'], help: 'Sort by cpu (default) or memory; keys c and m switch' },
] as const;

export const topCommand = defineCommand({
  name: 'top',
  description: 'Show a live view of the CPU and memory of every instance',
  options: OPTIONS,
  behaviour: { loadsApp: { unless: 'all' }, createsPidDirectory: false, brokenConfig: 'use-pid-directory' },
  run: runTop,
});
