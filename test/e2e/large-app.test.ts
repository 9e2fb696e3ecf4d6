// What a user sees with a large application: `start` waits as long as instances keep coming up,
// and `stop -s --wait` gets its whole answer however long the list of stopped instances.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAlive } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, readPid, runCli, waitFor } from '../helpers/app.js';
import { cli, startDaemon, status } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

describe('large applications', () => {
  it('start waits while instances keep starting, however long that takes, and shows the count', async () => {
    // Every instance gets an environment of 30,000 variables (a real cost: the env file is read
    // again and the environment copied for each spawn), so 150 instances take far longer
    // than start would once wait for a silent daemon.
    let env = '';
    for (let i = 0; i < 30_000; i++) env += `V${i}=value${i}\n`;
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'processes:\n  web:\n    quantity: 150\n', '.env': env });
    const began = Date.now();
    const start = await runCli(['start', '--env-file'], { cwd: a.root, timeoutMs: 120_000 });
    const tookMs = Date.now() - began;
    assert.equal(start.code, 0, start.stderr);
    assert.doesNotMatch(start.stderr, /has not answered yet/);
    // Not a terminal: the count comes as plain lines, once the start has taken a second.
    if (tookMs > 2000) assert.match(start.stderr, /^Starting instances: \d+ started$/m);
    // It returned only once every instance had started.
    assert.equal(Object.values((await status(a)).instances).flat().filter((i) => i.status === 'running').length, 150);
    const stop = await cli(a, ['stop', '-s', '--wait']);
    assert.equal(stop.code, 0, stop.stderr.slice(0, 500));
  });

  it('stop -s --wait receives a reply of megabytes in full while the supervisor leaves', async () => {
    // Long tags make the list of stopped instances a few megabytes with only a few processes,
    // far past what the socket holds: the supervisor must not leave before it has gone out.
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'processes:\n  web:\n    quantity: 24\n' });
    const tag = 'x'.repeat(120_000);
    await startDaemon(a, ['-t', tag]);
    await waitFor(async () => Object.values((await status(a)).instances).flat().length === 24, 20_000, '24 instances');
    const supervisor = readPid(a.path('pids', 'procodile.pid'));
    const stop = await cli(a, ['stop', '-s', '--wait']);
    assert.equal(stop.code, 0, stop.stderr.slice(0, 500));
    assert.equal(stop.stdout.match(/^Stopped web\.\d+ \(PID: \d+\)$/gm)?.length, 24);
    assert.match(stop.stderr, /Supervisor has stopped/);
    assert.ok(supervisor !== undefined && !isAlive(supervisor));
  });
});
