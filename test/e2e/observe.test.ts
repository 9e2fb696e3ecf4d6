// Seeing what runs, end to end: CPU and memory of real process groups in `status`, and
// max_memory replacing an instance that stays above its limit.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { signalGroup } from '../../src/proc/process-group.js';
import { appsCleanedAfterEach, CLI, readPid, waitFor } from '../helpers/app.js';
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
          return (busy?.cpu_percent ?? 0) > 20 && (mem?.rss_bytes ?? 0) > 80 * MB && busy && mem ? { busy, mem } : undefined;
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

describe('status: which processes count', () => {
  it('counts a child started after the first samples, and not one that left the group with setsid', async () => {
    // The children start only once the test says so, after the supervisor has read the host.
    const late = [
      'while [ ! -e go ]; do sleep 0.1; done',
      `setsid ${process.execPath} -e "globalThis.b = Buffer.alloc(80 * 1024 * 1024, 1); setInterval(() => {}, 1000)" &`,
      'echo $! > escaped.pid',
      `${process.execPath} -e "globalThis.b = Buffer.alloc(80 * 1024 * 1024, 1); setInterval(() => {}, 1000)" &`,
      'wait',
      '',
    ].join('\n');
    const a = app({ Procfile: 'late: sh ./late.sh\n', 'late.sh': late });
    await startDaemon(a);
    try {
      await waitFor(async () => ((await status(a)).instances.late?.[0]?.cpu_percent ?? null) !== null, 20000, 'two samples of the shell alone');
      a.write({ go: '' });
      const escaped = Number(await waitFor(() => (/^\d+\n$/.test(safeRead(a, 'escaped.pid')) ? safeRead(a, 'escaped.pid') : undefined), 10000, 'the setsid child'));
      try {
        const rss = await waitFor(
          async () => {
            const bytes = instancesOf(await status(a), 'late')[0]?.rss_bytes ?? 0;
            return bytes > 80 * MB ? bytes : undefined;
          },
          20000,
          'the new child\'s 80 MB counted',
        );
        // The shell and one holder (80 MB and Node itself); both holders would be over 160 MB.
        assert.ok(rss < 160 * MB, `the child that left the group is not counted: ${rss}`);
      } finally {
        signalGroup(escaped, 'SIGKILL');
      }
    } finally {
      await stopAll(a);
    }
  });
});

function safeRead(a: { read(rel: string): string }, rel: string): string {
  try {
    return a.read(rel);
  } catch {
    return '';
  }
}

describe('status --all', () => {
  it('shows every configured application: one running, one down, one with a broken configuration', async () => {
    const up = app({ Procfile: 'web: sleep 300\n' });
    const down = app({ Procfile: 'web: sleep 300\n' });
    const broken = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': 'quantiy: 2\n' });
    up.write({ 'apps.yml': `- name: up\n  root: ${up.root}\n- name: down\n  root: ${down.root}\n- name: broken\n  root: ${broken.root}\n` });
    await startDaemon(up);
    try {
      const env = { PROCODILE_CONFIG: up.path('apps.yml') };
      const json = await cli(down, ['status', '--all', '--json'], env);
      assert.equal(json.code, 1, 'not every application is up');
      const host = JSON.parse(json.stdout) as { apps: { name: string; supervisor: string; config_error: string | null; status: { instances: Record<string, { status: string; rss_bytes?: number | null }[]> } | null }[] };
      assert.deepEqual(host.apps.map((a) => [a.name, a.supervisor]), [['up', 'running'], ['down', 'not_running'], ['broken', 'not_running']]);
      assert.equal(host.apps[0]?.status?.instances.web?.[0]?.status, 'running');
      assert.ok('rss_bytes' in (host.apps[0]?.status?.instances.web?.[0] ?? {}));
      assert.equal(host.apps[1]?.config_error, null);
      assert.match(host.apps[2]?.config_error ?? '', /quantiy/);

      const human = await cli(down, ['status', '--all'], env);
      assert.equal(human.code, 1);
      assert.match(human.stdout, /^up  .*\n   Supervisor +running \(PID \d+\), 1\/1 instances running, ok\n   web\.1 +Running +pid:\d+/m);
      assert.match(human.stdout, /^down  .*\n   Supervisor +not running$/m);
      assert.match(human.stdout, /^broken  .*\n   Supervisor +not running\n   Config error +.*quantiy/m);
    } finally {
      await stopAll(up);
    }
  });
});

describe('top', () => {
  it('runs in a real terminal: sorts by CPU, switches to memory on m, and q leaves the terminal as it was', async () => {
    const a = app({ Procfile: 'busy: while :; do :; done\nmem: sh ./mem.sh\n', 'mem.sh': HOLD_MEMORY });
    await startDaemon(a);
    const server = `pc-top-${process.pid}`;
    const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
    // After top, the shell reports its exit status and whether the terminal is back in canonical mode.
    const shell = `${process.execPath} -- ${CLI} top -r ${a.root}; echo "exit=$?"; stty -a | grep -q ' icanon' && echo canonical; sleep 120`;
    try {
      tmux('new-session', '-d', '-s', 'top', '-x', '120', '-y', '20', 'sh', '-c', shell);
      const screen = (): string => tmux('capture-pane', '-p', '-t', 'top');
      const rowOrder = (text: string): string[] => [...text.matchAll(/^\S+ +(busy\.1|mem\.1) /gm)].map((m) => m[1] ?? '');
      const first = await waitFor(
        () => {
          const text = screen();
          return /busy\.1 +running +\d+ +[1-9]\d*\.\d/.test(text) ? text : undefined;
        },
        20000,
        'top to show busy.1 using CPU',
      );
      assert.match(first, /sorted by CPU/);
      assert.deepEqual(rowOrder(first), ['busy.1', 'mem.1'], first);
      assert.equal(tmux('display-message', '-p', '-t', 'top', '#{alternate_on} #{cursor_flag}').trim(), '1 0', 'alternate screen, no cursor');
      tmux('send-keys', '-t', 'top', 'm');
      const byMemory = await waitFor(() => {
        const text = screen();
        return text.includes('sorted by memory') ? text : undefined;
      }, 5000, 'top to sort by memory');
      assert.deepEqual(rowOrder(byMemory), ['mem.1', 'busy.1'], byMemory);
      tmux('send-keys', '-t', 'top', 'q');
      const after = await waitFor(() => {
        const text = screen();
        return text.includes('canonical') ? text : undefined;
      }, 5000, 'top to quit and the terminal to be canonical again');
      assert.match(after, /^exit=0$/m);
      assert.doesNotMatch(after, /procodile top/, 'the alternate screen was left');
      assert.equal(tmux('display-message', '-p', '-t', 'top', '#{alternate_on} #{cursor_flag}').trim(), '0 1', 'normal screen, cursor shown');
    } finally {
      try {
        tmux('kill-server');
      } catch {
        // Already gone.
      }
      await stopAll(a);
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function scrape(port: number): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

/** A scrape over a connection of its own: the body, or undefined when it is refused or cut. */
function plainScrape(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /metrics HTTP/1.0\r\n\r\n'));
    const chunks: Buffer[] = [];
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve(text.startsWith('HTTP/1.1 200') ? text : undefined);
    });
  });
}

/** promtool's verdict on a scrape: its problems, or '' when there are none. */
function promtool(body: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  assert.equal(run.error, undefined, 'promtool must be installed (scripts/install-test-tools.sh)');
  return run.status === 0 ? '' : `${run.stdout}${run.stderr}`;
}

describe('metrics_address', () => {
  it('serves Prometheus metrics that promtool accepts, through start, restart and stop; a taken port is an issue, not a failure', async () => {
    const port = await freePort();
    const options = `metrics_address: 127.0.0.1:${port}\nprocesses:\n  web:\n    quantity: 2\n`;
    const a = app({ Procfile: 'web: sleep 300\nbusy: while :; do :; done\n', 'Procfile.options': options });
    const b = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': options });
    let scraping = true;
    const scrapes: { status: number; body: string }[] = [];
    // Scraping from before the start to after the stop: nobody listens before the supervisor
    // opens the port or after it exits, and every scrape answered in between must be valid.
    const scraper = (async () => {
      while (scraping) {
        try {
          scrapes.push(await scrape(port));
        } catch {
          // Not listening (yet, or any more).
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await startDaemon(a);
      const sampled = await waitFor(
        async () => {
          const { body } = await scrape(port);
          return /^procodile_instance_resident_memory_bytes\{app="[^"]+",process="busy",instance="busy\.1"\} [1-9]/m.test(body) ? body : undefined;
        },
        15000,
        'a sample of busy.1 in the metrics',
      );
      assert.equal(promtool(sampled), '');
      const first = await scrape(port);
      assert.equal(first.status, 200);
      assert.match(first.type, /^text\/plain; version=0\.0\.4/);
      assert.match(sampled, /^procodile_instance_up\{app="[^"]+",process="web",instance="web\.2"\} 1$/m);
      assert.match(sampled, /^procodile_instance_ready\{app="[^"]+",process="web",instance="web\.1"\} 1$/m);
      assert.match(sampled, /^procodile_instance_cpu_seconds_total\{app="[^"]+",process="busy",instance="busy\.1"\} [\d.]+$/m);
      assert.match(sampled, /^procodile_instance_respawns\{app="[^"]+",process="web",instance="web\.1"\} 0$/m);
      assert.match(sampled, /^# TYPE procodile_instance_cpu_seconds_total counter$/m);

      // Same port, second application: it runs, and says why it has no metrics.
      await startDaemon(b);
      const issues = (await status(b)).runtime_issues;
      assert.ok(issues.some((i) => i.type === 'metrics_listener_failed' && i.message.includes(`127.0.0.1:${port}`)), JSON.stringify(issues));
      assert.equal(instancesOf(await status(b), 'web')[0]?.status, 'running');
      await stopAll(b);

      const restarted = await cli(a, ['restart', '-p', 'web']);
      assert.equal(restarted.code, 0, restarted.stderr);
      const afterRestart = await scrape(port);
      assert.match(afterRestart.body, /instance="web\.3"\} 1$/m);
      assert.equal(promtool(afterRestart.body), '');
      const killed = instancesOf(await status(a), 'busy')[0]?.pid;
      process.kill(killed!, 'SIGKILL');
      const exited = await waitFor(async () => {
        const { body } = await scrape(port);
        return /^procodile_instance_last_exit_status\{app="[^"]+",process="busy",instance="busy\.1"\} 137$/m.test(body) ? body : undefined;
      }, 10000, 'busy.1 last exit status 137 (SIGKILL)');
      assert.equal(promtool(exited), '');
    } finally {
      await stopAll(a);
      scraping = false;
      await scraper;
    }
    assert.ok(scrapes.length > 10, `scraped ${scrapes.length} times`);
    assert.deepEqual(scrapes.filter((s) => s.status !== 200).map((s) => s.status), [], 'every answered scrape succeeded');
    const distinct = [...new Set(scrapes.map((s) => s.body.replace(/ [\d.e+-]+$/gm, ' 0')))];
    for (const body of distinct) assert.equal(promtool(body), '', body);
  });

  it('a flood of idle connections to it leaves the supervisor answering and respawning', async () => {
    const port = await freePort();
    const a = app({ Procfile: 'web: sleep 300\n', 'Procfile.options': `metrics_address: 127.0.0.1:${port}\n` });
    await startDaemon(a);
    const supervisorPid = readPid(a.path('pids/procodile.pid'));
    assert.ok(supervisorPid !== undefined);
    // A small descriptor limit stands for a large one and a larger flood.
    execFileSync('prlimit', ['--pid', String(supervisorPid), '--nofile=150:150']);
    const flood: Socket[] = [];
    try {
      let connected = 0;
      for (let i = 0; i < 300; i++) {
        const socket = connect(port, '127.0.0.1', () => (connected += 1));
        socket.on('error', () => undefined);
        flood.push(socket);
      }
      await waitFor(() => connected === 300, 10000, 'every flood connection made');
      const before = instancesOf(await status(a), 'web')[0]?.pid;
      assert.ok(typeof before === 'number');
      process.kill(before, 'SIGKILL');
      const respawned = await waitFor(
        async () => {
          const web = instancesOf(await status(a), 'web')[0];
          return web?.status === 'running' && web.pid !== undefined && web.pid !== before ? web : undefined;
        },
        10000,
        'web.1 respawned while the flood holds its connections',
      );
      assert.ok(respawned.pid);
      // The connections kept are idle: they are let go within seconds, and scrapes work again.
      const answered = await waitFor(() => plainScrape(port), 15000, 'a scrape answered during the flood');
      assert.match(answered, /^procodile_instance_up\{/m);
    } finally {
      for (const socket of flood) socket.destroy();
      await stopAll(a);
    }
  });
});
