// The shell rule (D2) and the single-command exec: which lines /bin/sh may replace itself with
// the program, read with a shell tokenizer (README.md, "How processes are run and stopped").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { needsShell, toInvocation, withExec } from '../../src/supervisor/command-line.js';

// [Procfile command, what runs under sh -c]
const EXECUTED: [string, string][] = [
  ['puma -p $PORT', 'exec puma -p $PORT'],
  ["nginx -c /etc/nginx.conf -g 'daemon off;'", "exec nginx -c /etc/nginx.conf -g 'daemon off;'"],
  ['nginx -g "daemon off; pid /tmp/x|y;"', 'exec nginx -g "daemon off; pid /tmp/x|y;"'],
  ["sh -c 'sleep 300' 'a;b'", "exec sh -c 'sleep 300' 'a;b'"],
  ['echo a\\;b c\\&d e\\|f', 'exec echo a\\;b c\\&d e\\|f'],
  ['echo $(date; hostname) "$(a | b)"', 'exec echo $(date; hostname) "$(a | b)"'],
  ['echo `date; hostname`', 'exec echo `date; hostname`'],
  ['echo ${X:-a;b} "${Y:-(c)}"', 'exec echo ${X:-a;b} "${Y:-(c)}"'],
  ['puma -p $PORT 2>&1', 'exec puma -p $PORT 2>&1'],
  ['puma >>log 2>&1 <in 3<>f >|g', 'exec puma >>log 2>&1 <in 3<>f >|g'],
  ['>log puma', '>log exec puma'],
  ['RAILS_ENV=production bundle exec puma', 'RAILS_ENV=production exec bundle exec puma'],
  ['A=1 B="x y;z" >log C=$(d;e) node app.js', 'A=1 B="x y;z" >log C=$(d;e) exec node app.js'],
  ['ls *.rb', 'exec ls *.rb'],
  ['echo ~', 'exec echo ~'],
  ['x # c; y | z', 'exec x # c; y | z'],
  ['"my prog" --flag', 'exec "my prog" --flag'],
  ['  puma -p $PORT  ', 'exec puma -p $PORT'],
  ['a#b', 'exec a#b'],
];

// Left to the shell exactly as written.
const AS_WRITTEN: string[] = [
  'a | b',
  'a && b',
  'a || b',
  'a; b',
  'a &',
  'a 2>&1 &',
  'a &>log',
  '(a)',
  '{ a; }',
  'if true; then a; fi',
  'while true; do a; done',
  'f() { a; }',
  '! a',
  'time a',
  'exec puma -p $PORT',
  'a\nb',
  'x # c\ny',
  'cat <<EOF\nhi\nEOF',
  "echo 'unterminated",
  'echo "unterminated',
  'echo $(unterminated',
  'echo `unterminated',
  'a#b;c',
  "a 'x;y';b",
  'cd /app',
  ': nothing',
  'export A=1',
  'A=1',
  'A=1 >log',
  'echo >',
];

describe('the single-command exec', () => {
  for (const [command, expected] of EXECUTED) {
    it(`execs ${JSON.stringify(command)}`, () => {
      assert.equal(needsShell(command), true);
      assert.equal(withExec(command), expected);
      assert.deepEqual(toInvocation(command), { file: '/bin/sh', args: ['-c', expected] });
    });
  }
  for (const command of AS_WRITTEN) {
    it(`leaves ${JSON.stringify(command)} to the shell as written`, () => {
      assert.equal(withExec(command), command);
      if (needsShell(command)) assert.deepEqual(toInvocation(command), { file: '/bin/sh', args: ['-c', command] });
    });
  }

  it('runs plain commands without a shell', () => {
    assert.equal(needsShell('bundle exec puma -C config/puma.rb'), false);
    assert.deepEqual(toInvocation('bundle exec puma -C config/puma.rb'), {
      file: 'bundle',
      args: ['exec', 'puma', '-C', 'config/puma.rb'],
    });
  });

  it('changes nothing a real /bin/sh prints', () => {
    const lines = [
      "printf '%s|' 'a;b' \"c|d\" $(echo e; echo f) ${UNSET:-g;h} `echo i; echo j`",
      'A=1 B="x y;z" sh -c \'printf "%s/%s" "$A" "$B"\'',
      "printf '%s' one 2>&1 # two; printf three",
      ">/dev/null printf hidden",
    ];
    for (const line of lines) {
      const sh = (script: string): string => execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
      assert.notEqual(withExec(line), line, line);
      assert.equal(sh(withExec(line)), sh(line), line);
    }
  });
});
