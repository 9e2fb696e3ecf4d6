// CLI commands check whose supervisor they talk to with the small `identify` request, and
// fall back to `status` with a supervisor that predates it (README.md, "The control socket").
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { appsCleanedAfterEach, waitFor, type TestApp } from '../helpers/app.js';
import { cli, startDaemon, stopAll, waitForDeath, waitForRunning } from '../helpers/supervisor.js';

const makeApp = appsCleanedAfterEach();

/** One raw request line on the app's control socket; the reply line. */
function ask(app: TestApp, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(app.path('pids/procodile.sock'));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) {
        socket.destroy();
        resolve(text.trimEnd());
      }
    });
    socket.on('error', reject);
  });
}

/**
 * A supervisor as an older procodile was: `identify` is an unknown command to it, and it
 * answers status and stop. It records every request line it gets.
 */
async function oldSupervisor(app: TestApp): Promise<ChildProcess> {
  const web = { description: 'web.1', pid: 4242, respawns: 0, status: 'running', started_at: 1, tag: null, port: null, foreground: false };
  const status = {
    version: '0.9', messages: [], root: app.root, app_name: 'app',
    supervisor: { started_at: 1, pid: 1, proxy_enabled: false },
    instances: { web: [web] }, processes: [], runtime_issues: [], environment_variables: {},
    procfile_path: '', options_path: '', local_options_path: '', sock_path: '', supervisor_pid_path: '', pid_root: '', loaded_at: 0,
  };
  const replies = { status: `200 ${JSON.stringify(status)}`, stop: `200 ${JSON.stringify({ stopped_instances: [web] })}` };
  writeFileSync(app.path('replies.json'), JSON.stringify(replies));
  writeFileSync(
    app.path('old.cjs'),
    `const net = require('net'); const fs = require('fs');
     const [sock, log, replies] = process.argv.slice(2);
     const answers = JSON.parse(fs.readFileSync(replies, 'utf8'));
     net.createServer((s) => s.on('data', (d) => {
       const line = d.toString().trimEnd();
       fs.appendFileSync(log, line + '\\n');
       s.write((answers[line.split(' ')[0]] ?? '404 Invalid command') + '\\n');
     })).listen(sock, () => fs.writeFileSync(sock.replace(/procodile\\.sock$/, 'procodile.pid'), String(process.pid)));`,
  );
  mkdirSync(app.path('pids'), { recursive: true });
  const child = spawn(process.execPath, [app.path('old.cjs'), app.path('pids/procodile.sock'), app.path('received'), app.path('replies.json')], {
    cwd: app.root,
    stdio: 'ignore',
  });
  await waitFor(() => existsSync(app.path('pids/procodile.pid')), 5000, 'the old supervisor to listen');
  return child;
}

describe('identify', () => {
  it('is answered by a running supervisor, and commands act through it', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\nworker: sleep 300\n' });
    await startDaemon(a);
    const [worker] = await waitForRunning(a, 'worker', 1);
    const reply = await ask(a, 'identify {}');
    assert.match(reply, /^200 \{/);
    const identity = JSON.parse(reply.slice(4)) as { root: string; app_name: string; supervisor: { pid: number } };
    assert.equal(identity.root, a.root);
    assert.equal(identity.supervisor.pid, Number(a.read('pids/procodile.pid')));
    assert.equal('instances' in identity, false, 'no instances in the identity');

    const stop = await cli(a, ['stop', '-p', 'worker']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`Stopped worker\\.1 \\(PID: ${worker!.pid}\\)`));
    await waitForDeath(worker!.pid!);
    const restart = await cli(a, ['restart', '-p', 'web']);
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(restart.stdout, /Restarted web\.1/);
    await stopAll(a);
  });

  it('falls back to status with a supervisor that does not know it', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    const old = await oldSupervisor(a);
    try {
      const stop = await cli(a, ['stop', '-p', 'web']);
      assert.equal(stop.code, 0, stop.stderr);
      assert.match(stop.stdout, /Stopped web\.1 \(PID: 4242\)/);
      const lines = readFileSync(a.path('received'), 'utf8').split('\n').filter((l) => l !== '');
      assert.deepEqual(lines.slice(0, 3), ['identify {}', 'status {}', 'stop {"process_names":["web"],"stop_supervisor":false}']);
    } finally {
      const gone = new Promise((resolve) => old.once('exit', resolve));
      old.kill('SIGKILL');
      await gone;
    }
  });
});
