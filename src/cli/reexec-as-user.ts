// Re-runs the whole command as the application's configured user through sudo (README
// "Options files", `user:`). Who we are is the real uid, never $USER: anyone can set USER,
// and trusting it made root run an application meant for another user as root.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { quoted } from '../config/process-name.js';
import type { AppConfig } from '../config/types.js';
import { ProcodileError } from '../errors.js';
import type { Terminal } from './terminal.js';

/** The exit status of the re-run command, or undefined when we already are that user. */
export function reexecAsUser(config: AppConfig, term: Terminal, cliPath: string, argv: string[]): number | undefined {
  const user = config.user;
  if (user === undefined) return undefined;
  const uid = uidOf(user);
  if (uid === undefined) throw unknownUser(config, user);
  const current = process.getuid?.();
  if (current === undefined || current === uid) return undefined;
  const command = ['procodile', ...argv].map(shellWord).join(' ');
  if (!onPath('sudo')) {
    throw new ProcodileError(
      'COMMAND_INVALID',
      `This application runs as ${user} (uid ${uid}), but this is uid ${current} and sudo, which procodile uses to ` +
        `switch users, is not installed. Run the command as ${user} instead: as root, ` +
        `\`runuser -u ${user} -- ${command}\` or \`su -s /bin/sh ${user} -c ${shellWord(command)}\`; or install sudo.`,
    );
  }
  term.err(term.errColor.red(`Procodile must be run as ${user}. Re-executing as ${user}...`));
  const result = spawnSync('sudo', ['-H', '-u', user, '--', process.execPath, '--', cliPath, ...argv], {
    stdio: 'inherit',
  });
  if (result.error !== undefined) {
    throw new ProcodileError('COMMAND_INVALID', `Could not re-execute through sudo: ${result.error.message}`);
  }
  return result.status ?? 1;
}

/** The configured `user:` when it does not exist on this machine (`check` reports it too). */
export function missingUser(config: AppConfig): ProcodileError | undefined {
  return config.user !== undefined && uidOf(config.user) === undefined ? unknownUser(config, config.user) : undefined;
}

function unknownUser(config: AppConfig, user: string): ProcodileError {
  return new ProcodileError(
    'CONFIG_INVALID',
    `The user ${quoted(user)} (the user option in ${config.optionsPath} or ${config.localOptionsPath}) does not exist on this machine. ` +
      'Create it, or change the option to the user the application runs as.',
  );
}

/** The uid of a user name: /etc/passwd first, then the system's user database (LDAP, ...). */
function uidOf(user: string): number | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name === user && uid !== undefined && /^\d+$/.test(uid)) return Number(uid);
    }
  } catch {
    // No readable passwd file: ask id below.
  }
  const id = spawnSync('id', ['-u', '--', user], { encoding: 'utf8' });
  const text = id.status === 0 ? id.stdout.trim() : '';
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function shellWord(word: string): string {
  return /^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
