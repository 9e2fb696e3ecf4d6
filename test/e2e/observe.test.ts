// Seeing what runs, end to end: CPU and memory of real process groups in `status`, and
// max_memory replacing an instance that stays above its limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appsCleanedAfterEach, waitFor } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();
const MB = 1024 * 1024;
// 80 MB that stay resident (filled, so the pages are really there), held by a child of the shell.
const HOLD_MEMORY = `${process.execPath} -e "globalThis.b = Buffer.alloc(80 * 1024 * 1024, 1); setInterval(() => {}, 1000)" &\nwait\n`;

describe('status: CPU, memory and uptime', () => {
  it('shows the CPU of a busy process and the memory of a whole group, and max_memory replaces a hog', async () => {
    const a = app({
      Procfile: 'busy: while :; do :; done\nmem: sh ./mem.sh\nhog: sh ./mem.sh\n',
      'mem.sh': HOLD_MEMORY,
      'Procfile.options': 'processes:\n  hog:\n    max_memory: 40M\n',
    });
    await startDaemon(a);
    try {
      const seen = await waitFor(
        async () => {
          const reply = await status(a);
          const busy = instancesOf(reply, 'busy')[0];
          const mem = instancesOf(reply, 'mem')[0];
          return busy?.cpu_percent != null && busy.cpu_percent > 20 && mem?.rss_bytes != null && mem.rss_bytes > 80 * MB ? { busy, mem } : undefined;
        },
        20000,
        'a busy process using CPU and a group holding 80 MB',
      );
      assert.ok(seen.busy.cpu_percent! <= 105, `one shell loop uses at most one core: ${seen.busy.cpu_percent}`);
      assert.ok(seen.mem.rss_bytes! < 400 * MB, `the group's memory, not the machine's: ${seen.mem.rss_bytes}`);
      assert.equal(typeof seen.mem.uptime, 'number');
      assert.equal(typeof seen.mem.cpu_percent, 'number');

      const human = await cli(a, ['status']);
      assert.match(human.stdout, /\|\| => busy\.1 .* cpu:\d+\.\d% +mem:\d+\.\dM +up:\d+s/);

      const replaced = await waitFor(
        async () => {
          const reply = await status(a);
          const hog = instancesOf(reply, 'hog');
          return hog.some((i) => i.description === 'hog.2' && i.status === 'running') ? reply : undefined;
        },
        40000,
        'hog.1 to be replaced by hog.2',
      );
      const issue = replaced.runtime_issues.find((i) => i.type === 'memory_limit_exceeded');
      assert.match(issue?.message ?? '', /hog\.1 used [\d.]+M, above max_memory \(40M\), for 3 samples in a row/);
      assert.match(a.read('procodile.log'), /hog\.1 used [\d.]+M, above max_memory \(40M\), for 3 samples in a row: restarting it/);
    } finally {
      await stopAll(a);
    }
  });
});
