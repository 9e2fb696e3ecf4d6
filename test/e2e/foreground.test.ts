// `start -f`: output of every process multiplexed with a prefix, and Ctrl-C stops it all.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import { isAlive } from '../../src/proc/liveness.js';
import { makeApp, OutputWatcher, spawnCli, waitFor, type TestApp } from '../helpers/app.js';
import { status } from '../helpers/supervisor.js';

let apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.cleanup()));
  apps = [];
});

describe('foreground supervisor', () => {
  it('prefixes every line with time and instance, and Ctrl-C stops everything', async () => {
    const a = makeApp({
      Procfile: "one: sh -c 'echo hello from one; echo second line; exec sleep 300'\ntwo: sh -c 'echo hello from two >&2; exec sleep 300'\n",
    });
    apps.push(a);
    const child = spawnCli(['start', '-f'], { cwd: a.root });
    const output = new OutputWatcher(child);
    await output.waitFor('hello from two');
    await output.waitFor('second line');
    assert.match(output.text, /^\d\d:\d\d:\d\d one\.1 {14}\| hello from one$/m);
    assert.match(output.text, /^\d\d:\d\d:\d\d one\.1 {14}\| second line$/m);
    assert.match(output.text, /^\d\d:\d\d:\d\d two\.1 {14}\| hello from two$/m);
    const reply = await status(a);
    const pids = Object.values(reply.instances).flat().map((i) => i.pid!);
    assert.equal(pids.length, 2);
    assert.ok(reply.instances.one?.[0]?.foreground);

    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    for (const pid of pids) assert.equal(isAlive(pid), false, `${pid} stopped with the supervisor`);
    assert.match(output.text, /Supervisor received INT signal/);
  });

  it('--dev stops by itself when every process has ended, without respawning', async () => {
    const a = makeApp({ Procfile: "brief: sh -c 'echo done and dusted'\n" });
    apps.push(a);
    const child = spawnCli(['start', '--dev'], { cwd: a.root });
    const output = new OutputWatcher(child);
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.match(output.text, /done and dusted/);
    assert.match(output.text, /Respawning not available/);
    assert.match(output.text, /All processes have stopped/);
  });

  it('never tears or loses lines from a chatty process', async () => {
    const lines = 20000;
    const a = makeApp({
      Procfile: `chatty: node -e "for (let i = 0; i < ${lines}; i++) process.stdout.write('line-' + i + '-' + 'x'.repeat(80) + '\\\\n'); setInterval(() => {}, 1000)"\n`,
    });
    apps.push(a);
    const child = spawnCli(['start', '-f'], { cwd: a.root });
    const output = new OutputWatcher(child);
    await output.waitFor(`line-${lines - 1}-`, 30000);
    const seen = output.text
      .split('\n')
      .filter((l) => l.includes('chatty.1') && l.includes('| line-'))
      .map((l) => /\| line-(\d+)-x{80}$/.exec(l)?.[1]);
    assert.equal(seen.length, lines);
    assert.ok(seen.every((n, i) => n === String(i)), 'every line whole and in order');
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  it('tells systemd when it is ready and when it is stopping (Type=notify)', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    apps.push(a);
    a.write({ 'bin/notify.sh': '#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> "$(dirname "$0")/../notified"\n' });
    const { renameSync } = await import('node:fs');
    renameSync(a.path('bin/notify.sh'), a.path('bin/systemd-notify'));
    const child = spawnCli(['start', '-f'], {
      cwd: a.root,
      env: { NOTIFY_SOCKET: '/run/fake-notify', PATH: `${a.path('bin')}:${process.env.PATH ?? ''}` },
    });
    const output = new OutputWatcher(child);
    const read = () => {
      try {
        return a.read('notified');
      } catch {
        return '';
      }
    };
    await waitFor(() => read().includes('READY=1'), 5000, 'READY=1');
    assert.match(read(), new RegExp(`^/run/fake-notify MAINPID=${child.pid} READY=1$`, 'm'));
    assert.match(output.text, /Started with PID/, 'ready only after the processes started');
    child.kill('SIGTERM');
    await once(child, 'exit');
    assert.match(read(), /MAINPID=\d+ STOPPING=1$/m);
  });

  it('stops on SIGTERM with exit status 0 (systemd stop)', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    apps.push(a);
    const child = spawnCli(['start', '-f'], { cwd: a.root });
    const output = new OutputWatcher(child);
    await output.waitFor('Started with PID');
    const pid = Number(/Started with PID (\d+)/.exec(output.text)?.[1]);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    await waitFor(() => !isAlive(pid), 2000, 'the instance to be gone');
  });
});
