// `procodile systemd`: prints a unit that runs this application under systemd (D8).
import { accessSync, constants } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { readRecord } from '../../runtime/adoption-record.js';
import { defineCommand, type CommandContext } from '../define-command.js';

/** Quotes a word for a unit file's ExecStart (systemd's own quoting, close to the shell's). */
function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `"${word.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function onPath(program: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function runSystemd(ctx: CommandContext<typeof OPTIONS>): number {
  const { app, options, term } = ctx;
  const mode = options.mode ?? 'simple';
  const userUnit = options.user;
  // Node by absolute path: a unit's PATH rarely has the node that `#!/usr/bin/env node` needs.
  const base = [process.execPath, '--', ctx.cliPath, '-r', app.root].map(quote).join(' ');
  // The unit serves the application as it runs now: a supervisor started with `--proxy` keeps
  // it under systemd. `proxy: true` in Procfile.options needs no flag.
  const proxy = app.proxy !== true && (options.proxy || readRecord(app.pidRoot).run?.proxy === true) ? ' --proxy' : '';
  const longestStop = Math.max(10, ...app.processes.map((p) => p.stopTimeout));
  const lines = ['[Unit]', `Description=procodile: ${app.appName} (${app.root})`, 'After=network.target', 'StartLimitIntervalSec=0', ''];
  lines.push('[Service]');
  if (!userUnit) lines.push(`User=${app.user ?? userInfo().username}`);
  lines.push('LimitCORE=infinity', 'LimitNOFILE=infinity', 'LimitNPROC=infinity');
  if (mode === 'simple') {
    // Type=notify lets systemd know when every process has started; it needs systemd-notify.
    const notify = onPath('systemd-notify', ctx.env);
    lines.push(
      ...(notify ? ['Type=notify', 'NotifyAccess=all'] : ['Type=simple']),
      `ExecStart=${base} start --foreground${proxy}`,
      'ExecReload=/bin/kill -HUP $MAINPID',
      // TERM makes the supervisor stop every instance (D6); systemd must wait for that.
      'KillMode=mixed',
      `TimeoutStopSec=${longestStop + 10}`,
      'Restart=on-failure',
    );
  } else {
    lines.push(
      'Type=oneshot',
      'RemainAfterExit=yes',
      `ExecStart=${base} start --clean${proxy}`,
      `ExecStop=${base} stop --stop-supervisor --wait`,
      `TimeoutStopSec=${longestStop + 10}`,
    );
  }
  lines.push('', '[Install]', `WantedBy=${userUnit ? 'default.target' : 'multi-user.target'}`);
  term.out(lines.join('\n'));
  return 0;
}

const OPTIONS = [
  {
    long: 'mode',
    value: 'required',
    placeholder: 'simple|oneshot',
    choices: ['simple', 'oneshot'],
    help: 'Unit type: simple runs the supervisor in the foreground (recommended), oneshot starts a daemon',
  },
  { long: 'user', value: 'none', help: 'Print a user unit (systemctl --user) instead of a system unit' },
  {
    long: 'proxy',
    short: 'x',
    value: 'none',
    help: 'Start the supervisor with the proxy (the default when the running supervisor has it)',
  },
] as const;

export const systemdCommand = defineCommand({
  name: 'systemd',
  description: 'Print a systemd unit for this application',
  options: OPTIONS,
  // It only prints: an application that never ran gets no pid directory from it.
  behaviour: { createsPidDirectory: false },
  run: runSystemd,
});
