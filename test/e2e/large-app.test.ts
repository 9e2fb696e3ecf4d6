// What a user sees with a large application: `start` waits as long as instances keep coming up,
// and `stop -s --wait` gets its whole answer however long the list of stopped instances.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAlive } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, readPid, waitFor } from '../helpers/app.js';
import { cli, startDaemon, status } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

describe('large applications', () => {
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
