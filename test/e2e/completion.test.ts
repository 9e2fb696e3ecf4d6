// `procodile completion bash|zsh|fish`, asked for completions by the real shells (README.md,
// "Commands"). A missing shell fails these tests: CI installs bash-completion, zsh and fish.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLI, makeApp, runCli, waitFor, type TestApp } from '../helpers/app.js';

const run = promisify(execFile);
const BASH_COMPLETION = '/usr/share/bash-completion/bash_completion';

// Each case: the words typed so far (the last one is being completed) and what must be offered.
// `ROOT` stands for the application's root; the shells run in another directory unless `cwd`.
interface Case {
  line: string[];
  offered: string[];
  exactly?: boolean;
  inApp?: boolean;
}

const CASES: Case[] = [
  { line: ['procodile', 'sta'], offered: ['start', 'status'], exactly: true },
  { line: ['procodile', 'comp'], offered: ['completion'], exactly: true },
  { line: ['procodile', 'start', '--fo'], offered: ['--foreground'], exactly: true },
  { line: ['procodile', 'stop', '--'], offered: ['--processes', '--stop-supervisor', '--wait', '--root', '--help'] },
  { line: ['procodile', 'systemd', '--mode', ''], offered: ['oneshot', 'simple'], exactly: true },
  { line: ['procodile', 'completion', ''], offered: ['bash', 'fish', 'zsh'], exactly: true },
  { line: ['procodile', 'stop', '-p', ''], offered: ['clock', 'web', 'worker'], exactly: true, inApp: true },
  { line: ['procodile', '-r', 'ROOT', 'restart', '-p', 'web,wo'], offered: ['web,worker'], exactly: true },
  { line: ['procodile', 'log', '--root', 'ROOT', '--process', 'w'], offered: ['web', 'worker'], exactly: true },
];

function check(shell: string, c: Case, got: string[]): void {
  const what = `${shell}: ${c.line.join(' ')} -> ${JSON.stringify(got)}`;
  if (c.exactly === true) assert.deepEqual([...new Set(got)].sort(), [...c.offered].sort(), what);
  else for (const word of c.offered) assert.ok(got.includes(word), what);
}

// Drives an interactive zsh through a pseudo-terminal, presses Tab after the line, and has a
// compadd wrapper note every match in a file (ZLE redraws would hide anything printed).
const ZSH_SETUP = `PROMPT= RPROMPT=
autoload -Uz compinit && compinit -u -D
bindkey '^I' complete-word
__pc_mark() { builtin print -r -- '<<END>>' >> $PC_OUT }
compprefuncs=(__pc_mark)
comppostfuncs=(__pc_mark exit)
compadd() {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return $?; fi
  local -a __hits
  builtin compadd -A __hits "$@"
  local h
  for h in $__hits; do builtin print -r -- "$IPREFIX$h" >> $PC_OUT; done
  builtin compadd "$@"
}
`;
const ZSH_DRIVER = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PC_OUT=\${(q)4}; source \${(q)1}; source \${(q)2}"
zpty -n -w z "$3"$'\\t'
integer tries=0
while (( tries++ < 400 )); do
  [[ -f $4 && $(grep -c '<<END>>' $4) -ge 2 ]] && break
  sleep 0.025
done
zpty -d z
`;

describe('shell completion', () => {
  let app: TestApp;
  let env: NodeJS.ProcessEnv;
  let count = 0;

  before(() => {
    app = makeApp({ Procfile: 'web: sleep 1\nworker: sleep 1\nclock: sleep 1\n' });
    const shim = app.path('bin', 'procodile');
    app.write({ 'bin/procodile': `#!/bin/sh\nexec '${process.execPath}' -- '${CLI}' "$@"\n` });
    chmodSync(shim, 0o755);
    env = { ...process.env, PATH: `${app.path('bin')}:${process.env.PATH ?? ''}`, NO_COLOR: '1' };
  });
  after(() => app.cleanup());

  async function script(shell: string): Promise<string> {
    const result = await runCli(['completion', shell], { cwd: '/' });
    assert.equal(result.code, 0, result.stderr);
    const file = app.path(`completion.${shell}`);
    writeFileSync(file, result.stdout);
    return file;
  }

  const words = (c: Case): string[] => c.line.map((w) => (w === 'ROOT' ? app.root : w));

  it('prints the process names of the Procfile for the scripts, and nothing without one', async () => {
    assert.deepEqual((await runCli(['completion', '--processes'], { cwd: app.root })).stdout, 'web\nworker\nclock\n');
    assert.deepEqual((await runCli(['-r', app.root, 'completion', '--processes'], { cwd: '/' })).stdout, 'web\nworker\nclock\n');
    const none = await runCli(['-r', app.path('nowhere'), 'completion', '--processes'], { cwd: '/' });
    assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', '']);
    const bad = await runCli(['completion', 'tcsh'], { cwd: '/' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bash\|zsh\|fish/);
  });

  it('completes commands, options and process names in bash with bash-completion', async () => {
    assert.ok(existsSync(BASH_COMPLETION), `${BASH_COMPLETION} is missing: apt-get install bash-completion`);
    const file = await script('bash');
    for (const c of CASES) {
      const line = words(c);
      const program = [
        `source ${BASH_COMPLETION}`,
        `source '${file}'`,
        `COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')})`,
        `COMP_CWORD=${line.length - 1}`,
        `COMP_LINE='${line.join(' ')}'`,
        'COMP_POINT=${#COMP_LINE}',
        '_procodile procodile "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n');
      const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', program], { cwd: c.inApp === true ? app.root : '/', env });
      check('bash', c, stdout.split('\n').filter((w) => w !== ''));
    }
  });

  it('completes commands, options and process names in fish', async () => {
    const file = await script('fish');
    for (const c of CASES) {
      const line = words(c).join(' ');
      const { stdout } = await run('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], {
        cwd: c.inApp === true ? app.root : '/',
        env,
      });
      check('fish', c, stdout.split('\n').filter((w) => w !== '').map((w) => w.split('\t')[0] ?? ''));
    }
  });

  it('completes commands, options and process names in zsh', async () => {
    const file = await script('zsh');
    const setup = app.path('zsh-setup.zsh');
    const driver = app.path('zsh-driver.zsh');
    writeFileSync(setup, ZSH_SETUP);
    writeFileSync(driver, ZSH_DRIVER);
    for (const c of CASES) {
      const out = app.path(`zsh-out-${count++}`);
      await run('zsh', ['-f', driver, setup, file, words(c).join(' '), out], { cwd: c.inApp === true ? app.root : '/', env });
      const text = await waitFor(() => existsSync(out) && readFileSync(out, 'utf8'), 5000, 'zsh to complete');
      check('zsh', c, text.split('\n').filter((w) => w !== '' && w !== '<<END>>'));
    }
  });
});
