// A Procfile command with quoted shell operators is still one program: the shell execs it, so
// the instance's pid is the program's and a signal sent to it (nginx's HUP reload) reaches the
// program, not a shell that would die of it (README.md, "How processes are run and stopped").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { appsCleanedAfterEach, waitFor } from '../helpers/app.js';
import { startDaemon, status, stopAll, waitForRunning } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

// Reloads on HUP like nginx: notes it in a file and keeps running.
const RELOADER = `
const { appendFileSync } = require('node:fs');
process.on('SIGHUP', () => appendFileSync('reloads', 'reloaded\\n'));
setInterval(() => undefined, 1e6);
`;

describe('a single command with quoted operators', () => {
  it("runs as the instance's own pid and takes a HUP without a restart", async () => {
    const a = app({ Procfile: `web: node reloader.js -g 'daemon off;' "a|b"\n`, 'reloader.js': RELOADER });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const pid = web?.pid;
    assert.ok(typeof pid === 'number');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.deepEqual(argv.slice(1, 5), ['reloader.js', '-g', 'daemon off;', 'a|b']);
    assert.match(argv[0] ?? '', /node$/);

    process.kill(pid, 'SIGHUP');
    await waitFor(() => {
      try {
        return readFileSync(a.path('reloads'), 'utf8') === 'reloaded\n';
      } catch {
        return false;
      }
    }, 10000, 'the program to note the reload');
    const after = (await status(a)).instances.web ?? [];
    assert.deepEqual(
      after.map((i) => [i.pid, i.status, i.respawns]),
      [[pid, 'running', 0]],
    );
    await stopAll(a);
  });
});
