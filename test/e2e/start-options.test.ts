// `start` flags on a fresh supervisor, the process title, and processes that hand their pid on.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { isAlive } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, readPid, waitFor } from '../helpers/app.js';
import { cli, instancesOf, startDaemon, status, stopAll, waitForRunning } from '../helpers/supervisor.js';

const app = appsCleanedAfterEach();

describe('start options', () => {
  it('--no-processes starts only the supervisor; -p and -t start and tag a subset later', async () => {
    const a = app({ Procfile: 'web: sleep 300\nworker: sleep 300\n' });
    await startDaemon(a, ['--no-processes']);
    const empty = await status(a);
    assert.deepEqual(Object.values(empty.instances).flat(), []);
    const start = await cli(a, ['start', '-p', 'worker', '-t', 'release-7']);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /^Started worker\.1 \(PID: \d+\)$/m);
    const [worker] = await waitForRunning(a, 'worker', 1);
    assert.equal(worker!.tag, 'release-7');
    assert.equal(instancesOf(await status(a), 'web').length, 0);
    await stopAll(a);
  });

  it('-p on a fresh supervisor starts only the named processes', async () => {
    const a = app({ Procfile: 'web: sleep 300\nworker: sleep 300\n' });
    await startDaemon(a, ['-p', 'web']);
    await waitForRunning(a, 'web', 1);
    assert.equal(instancesOf(await status(a), 'worker').length, 0);
    await stopAll(a);
  });

  it('--ports fixes a port per process', async () => {
    const a = app({ Procfile: 'web: sleep 300\napi: sleep 300\n' });
    await startDaemon(a, ['--ports', 'web:43210,api:0']);
    const [web] = await waitForRunning(a, 'web', 1);
    const [api] = await waitForRunning(a, 'api', 1);
    assert.equal(web!.port, 43210);
    assert.ok(api!.port! >= 20000 && api!.port! <= 29999, `random port ${api!.port}`);
    await stopAll(a);
  });

  it('steps over ports another program holds, and says which port when a given one is taken', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const a = app({
        Procfile: 'web: sleep 300\napi: sleep 300\n',
        'Procfile.options': `processes:\n  web:\n    quantity: 2\n    allocate_port_from: ${port}\n`,
      });
      const start = await cli(a, ['start', '--ports', `api:${port}`]);
      assert.equal(start.code, 1, `start says that api could not start:\n${start.stdout}\n${start.stderr}`);
      assert.match(start.stderr, /Failed to start: api/);
      const web = await waitForRunning(a, 'web', 2);
      assert.ok(web.every((i) => i.port !== port), `web never gets the taken port ${port}`);
      assert.equal(new Set(web.map((i) => i.port)).size, 2, 'each web instance has its own port');
      const reply = await waitFor(async () => {
        const s = await status(a);
        return s.runtime_issues.some((issue) => issue.message.includes(`port ${port}`)) ? s : undefined;
      }, 5000, 'an issue naming the taken port');
      assert.equal(instancesOf(reply, 'api').filter((i) => i.status === 'running').length, 0);
      assert.match(a.read('procodile.log'), new RegExp(`api\\.1 .*port ${port} \\(127\\.0\\.0\\.1:${port}, tcp\\) is already in use`));
      await stopAll(a);
    } finally {
      busy.close();
    }
  });

  it('--env-file feeds variables; a missing file is refused at start, and a start failure later', async () => {
    const a = app({
      Procfile: "web: sh -c 'echo \"fruit=$FRUIT\"; exec sleep 300'\n",
      '.env': '# comment\nexport FRUIT="orange"\n',
    });
    await startDaemon(a, ['--env-file']);
    await waitForRunning(a, 'web', 1);
    await waitFor(() => a.read('web.log').includes('fruit=orange'), 5000, 'the env file value');
    await stopAll(a);

    const b = app({ Procfile: 'web: sleep 300\nother: sleep 300\n', 'Procfile.options': 'stop_timeout: 1\n' });
    const refused = await cli(b, ['start', '--env-file', 'missing.env']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^Error: .*missing\.env.*could not be found/);
    assert.equal(readPid(b.path('pids/procodile.pid')), undefined, 'no supervisor was started');

    // Removed after the start: the next start of an instance fails, and says why.
    b.write({ 'later.env': 'FRUIT=kiwi\n' });
    await startDaemon(b, ['--env-file', 'later.env']);
    await waitForRunning(b, 'web', 1);
    rmSync(b.path('later.env'));
    const restart = await cli(b, ['restart', '-p', 'web']);
    assert.match(restart.stderr, /Process 'web' failed to start: .*later\.env.*could not be found/);
    await stopAll(b);
  });

  it('layers the env file between the global and the process env, below procodile’s own', async () => {
    const a = app({
      Procfile: "app1: sh -c 'env > env.txt; exec sleep 300'\n",
      'Procfile.options':
        'env:\n  FRUIT: apple\n  VEGETABLE: potato\nprocesses:\n  app1:\n    allocate_port_from: 41300\n    env:\n      VEGETABLE: carrot\n',
      '.env': 'FRUIT=orange\nVEGETABLE=onion\nANIMAL=cat\nPROC_NAME=wrong\nAPP_ROOT=/elsewhere/wrong\nPORT=9999\n',
    });
    await startDaemon(a, ['--env-file', '.env']);
    await waitForRunning(a, 'app1', 1);
    const env = await waitFor(() => {
      try {
        const text = a.read('env.txt');
        return text.includes('ANIMAL=') ? text : undefined;
      } catch {
        return undefined;
      }
    }, 5000, 'the env dump');
    assert.match(env, /^FRUIT=orange$/m);
    assert.match(env, /^VEGETABLE=carrot$/m);
    assert.match(env, /^ANIMAL=cat$/m);
    assert.match(env, /^PROC_NAME=app1\.1$/m);
    assert.match(env, new RegExp(`^APP_ROOT=${a.root}$`, 'm'));
    // procodile's PORT wins over the file's 9999; a parallel test may hold 41300 itself
    const port = Number(/^PORT=(\d+)$/m.exec(env)?.[1]);
    assert.ok(port >= 41300 && port < 41400, `PORT ${port} allocated from 41300`);

    // The file is read again at every start: without it, a restart fails visibly.
    const { rmSync } = await import('node:fs');
    rmSync(a.path('.env'));
    const restart = await cli(a, ['restart']);
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(restart.stderr, /Active issues:/);
    assert.match(restart.stderr, /Process 'app1' failed to start: .*\.env could not be found/);
    await stopAll(a);
  });

  it('names the supervisor process after the application', async () => {
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'app_name: shop\n' });
    await startDaemon(a);
    const pid = readPid(a.path('pids/procodile.pid'))!;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    assert.match(cmdline, new RegExp(`^\\[procodile\\] shop \\(${a.root}\\)`));
    const pretty = await cli(a, ['status', '--json-pretty']);
    assert.match(pretty.stdout, /^\{\n {2}"version": /);
    assert.equal((JSON.parse(pretty.stdout) as { app_name: string }).app_name, 'shop');
    await stopAll(a);
  });
});

describe('a process that writes its successor into PID_FILE', () => {
  it('is followed to the new pid instead of being respawned', async () => {
    // The shell outlives `start`, which watches its processes for a second before it returns.
    const a = app({ Procfile: 'web: sh -c \'sleep 300 & echo $! > "$PID_FILE"; sleep 3\'\n' });
    await startDaemon(a);
    const [first] = await waitForRunning(a, 'web', 1);
    const successor = await waitFor(
      async () => {
        const [web] = instancesOf(await status(a), 'web');
        return web !== undefined && web.pid !== first!.pid && web.status === 'running' ? web : undefined;
      },
      8000,
      'the successor pid',
    );
    assert.equal(successor.description, 'web.1');
    assert.equal(successor.respawns, 0, 'following a pid is not a respawn');
    assert.equal(readPid(a.path('pids/web.1.pid')), successor.pid);
    await waitFor(() => a.read('procodile.log').includes(`PID file changed, Updated pid to ${successor.pid}`), 3000, 'the log line');
    await stopAll(a);
    assert.equal(isAlive(successor.pid!), false);
  });
});
