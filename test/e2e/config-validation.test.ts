// What the configuration may hold, seen from the command line: unsafe names, runaway
// quantities, invalid schedules and oversized files are refused by `check` and `start` before
// anything runs; and a slow start-up never lets a second supervisor in.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readProcStat } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, liveProcessesIn, OutputWatcher, spawnCli, waitFor } from '../helpers/app.js';
import { cli, stopAll } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

describe('check and start refuse unsafe configuration', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['a name with a path', { Procfile: 'web: sleep 300\n../../../x/evil: sleep 300\n' }, /Procfile:2: the process name '\.\.\/\.\.\/\.\.\/x\/evil' may only contain/],
    ['a name with a slash', { Procfile: 'a/b: sleep 300\n' }, /Procfile:1: the process name 'a\/b'/],
    ['a name with a newline', { Procfile: '"web\\n12:00:00 system | forged": sleep 300\n' }, /Procfile:1: the process name "web\\n12:00:00 system \| forged"/],
    ['a quantity of 1e9', { Procfile: 'web: sleep 300\n', 'Procfile.options': 'processes:\n  web:\n    quantity: 1e9\n' }, /Procfile\.options:3: processes\.web\.quantity must be a whole number from 0 to 1000, got 1000000000/],
    ['an app_name with a newline', { Procfile: 'web: sleep 300\n', 'Procfile.options': 'app_name: "a\\nb"\n' }, /Procfile\.options:1: app_name "a\\nb" must not contain control characters/],
    ['a schedule with minute 61', { Procfile: 'web: sleep 300\nbad__AT__61 * * * *: true\n' }, /Procfile:2: the schedule '61 \* \* \* \*' of process 'bad' is not a valid cron schedule/],
    ['a schedule in words', { Procfile: 'job__AT__every 5 minutes: true\n' }, /Procfile:1: .* it has 3 fields, not 5 or 6/],
    ['a four-field schedule', { Procfile: 'job__AT__* * * *: true\n' }, /Procfile:1: .* it has 4 fields/],
    ['a seven-field schedule', { Procfile: 'job__AT__0 0 0 * * * 2030: true\n' }, /Procfile:1: .* it has 7 fields/],
    ['an at: that never fires', { Procfile: 'job: true\n', 'Procfile.options': 'processes:\n  job:\n    at: "0 0 31 2 *"\n' }, /Procfile\.options:3: processes\.job\.at "0 0 31 2 \*" is not a valid cron schedule: it never fires/],
    ['an options file over 1 MiB', { Procfile: 'web: sleep 300\n', 'Procfile.options': `# ${'x'.repeat(1024 * 1024)}\n` }, /Procfile\.options is larger than 1 MiB/],
  ];
  for (const [what, files, message] of cases) {
    it(`refuses ${what}`, async () => {
      const a = app(files);
      for (const command of ['check', 'start']) {
        const result = await cli(a, [command]);
        assert.equal(result.code, 1, `${command}: ${result.stdout}${result.stderr}`);
        assert.match(result.stderr, message, command);
        assert.doesNotMatch(result.stderr, /Internal error|    at /, 'no stack trace');
        assert.equal(result.stderr.trimEnd().split('\n').length, 1, 'one line: nothing forged');
      }
      assert.deepEqual(await a.leftovers(), [], 'nothing was started');
    });
  }
});

/**
 * Supervisor processes of the app: the daemon before and after it sets its title. A child the
 * supervisor is spawning shows the same command line until it execs, so it is left out.
 */
async function supervisorsIn(root: string): Promise<number[]> {
  const found = new Map<number, number | undefined>();
  for (const pid of await liveProcessesIn(root)) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('--lite-mode') || cmdline.startsWith('[procodile]')) found.set(pid, readProcStat(pid)?.ppid);
    } catch {
      // Gone meanwhile.
    }
  }
  return [...found].filter(([, parent]) => parent === undefined || !found.has(parent)).map(([pid]) => pid);
}

describe('a slow start-up', () => {
  it('keeps a second start out while the first daemon is still reading its configuration', async () => {
    // About 900 KB of env: under the size limit, and seconds of parsing in the daemon.
    const env = Array.from({ length: 36000 }, (_, index) => `  KEY_${index}: v${index}\n`).join('');
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': `env:\n${env}` });
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, (await supervisorsIn(a.root)).length);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      const first = spawnCli(['start'], { cwd: a.root });
      const output = new OutputWatcher(first);
      await output.waitFor(/Started Procodile supervisor with PID \d+/, 30000);
      const daemon = Number(/PID (\d+)/.exec(output.text)?.[1]);
      const second = await cli(a, ['start']);
      assert.doesNotMatch(second.stdout, /Started Procodile supervisor/, `a second daemon was launched:\n${second.stdout}`);
      // On a fast machine the first daemon may already answer by now; then the second start
      // talks to it. Either way there is one supervisor (checked throughout by the sampler).
      if (second.code === 0) assert.match(second.stdout, /No processes to start/);
      else assert.match(second.stderr, new RegExp(`A procodile supervisor \\(PID ${daemon}\\) is already starting or running`));
      await new Promise((resolve) => first.once('exit', resolve));
      await waitFor(async () => (await cli(a, ['status', '--json'])).stdout.includes(`"pid":${daemon}`), 60000, 'the first daemon to answer');
      // (status --json of this app is large: its env is in it.)
      await waitFor(() => existsSync(a.path('pids', 'web.1.pid')), 10000, 'web.1 to run');
    } finally {
      sampling = false;
      await sampler;
    }
    assert.equal(most, 1, 'at most one supervisor process at any moment');
    await stopAll(a);
  });
});
