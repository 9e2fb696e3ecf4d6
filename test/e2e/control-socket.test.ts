// The control socket keeps Procodile 2's line protocol, and nothing a client sends stops it.
import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { socketAddress } from '../../src/control/socket-address.js';
import { makeApp, runCli, type TestApp } from '../helpers/app.js';
import { startDaemon, status, stopAll, waitForRunning } from '../helpers/supervisor.js';

let apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.cleanup()));
  apps = [];
});

/** Sends raw bytes and collects whatever comes back until the server closes or goes quiet. */
function exchange(sockPath: string, payload: string, replies: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const { address, release } = socketAddress(sockPath);
    const socket = connect(address);
    release();
    let text = '';
    const finish = () => {
      socket.destroy();
      resolve(text.split('\n').filter((l) => l.length > 0));
    };
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.split('\n').length > replies) finish();
    });
    socket.on('close', finish);
    socket.on('error', reject);
  });
}

describe('control socket', () => {
  it('answers the Procodile 2 protocol and rejects garbage without dying', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    apps.push(a);
    await startDaemon(a);
    await waitForRunning(a, 'web', 1);
    const sock = a.path('pids/procodile.sock');
    const [ok] = await exchange(sock, 'status {}\n', 1);
    assert.match(ok!, /^200 \{/);
    assert.equal((JSON.parse(ok!.slice(4)) as { root: string }).root, a.root);

    const replies = await exchange(
      sock,
      'not-a-command {}\nstatus\nstatus {not json\nstop []\nstop {"process_names":"web"}\nreload_config {}\n\n',
      7,
    );
    assert.equal(replies[0], '404 Invalid command');
    assert.match(replies[1]!, /^400 /);
    assert.match(replies[2]!, /^400 .*JSON/);
    assert.match(replies[3]!, /^400 /);
    assert.match(replies[4]!, /^400 Invalid value for 'process_names'/);
    assert.equal(replies[5], '200 {"ok":true}');
    assert.match(replies[6]!, /^400 An empty line/);

    const huge = await exchange(sock, `status ${'x'.repeat(200 * 1024)}`, 1);
    assert.match(huge[0]!, /^400 Request larger than/);

    // Still alive and still managing its process.
    assert.equal((await status(a)).instances.web?.[0]?.status, 'running');
    await stopAll(a);
  });

  it('works when the application root is too long for a unix socket path', async () => {
    const a = makeApp({});
    apps.push(a);
    const deep = join(a.root, 'a-rather-long-directory-name-for-testing'.repeat(3));
    mkdirSync(deep, { recursive: true });
    const cwd = deep;
    writeFileSync(join(deep, 'Procfile'), 'web: sleep 300\n');
    assert.ok(join(deep, 'pids/procodile.sock').length > 108, 'the socket path really is too long');
    const start = await runCli(['start'], { cwd });
    assert.equal(start.code, 0, start.stderr);
    const st = await runCli(['status', '--simple'], { cwd });
    assert.match(st.stdout, /^(OK|Issues) \|\|/);
    assert.equal(statSync(join(deep, 'pids/procodile.sock')).isSocket(), true);
    const stop = await runCli(['stop', '-s', '--wait'], { cwd });
    assert.equal(stop.code, 0, stop.stderr);
  });
});
