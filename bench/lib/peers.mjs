// One driver per supervisor: procodile, Ruby Procodile, PM2 and supervisord, all behind the same small API so
// the scenarios in run.mjs are written once.
//
//   available / version / reason       whether the peer can run here
//   create(n)                          a fresh app (temp dir) with n idle `sleep 100000` instances
//   startCmd(app) / restartCmd / stopCmd / statusCmd   [file, args, env] of the CLI to time
//   alive(app)                         live instance pids (procodile: pid files; peers: /proc)
//   supervisorPid(app)                 the daemon whose RSS we read
//   stopLeavesSupervisor               whether the timed stop leaves the daemon running
//   destroy(app)                       stops everything, idempotent, used by cleanup too
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cleanEnv, isAlive, killTracked, liveChildren, onCleanup, procStat, readPidFile, removeDir, run, shortTmp, sleep, waitFor } from './util.mjs';

const NODE = process.execPath;
const IDLE_SECONDS = '100000';

function lastPid() {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').trim().split(' ').pop());
  } catch {
    return 0;
  }
}

/**
 * Live `sleep` children of a daemon found through /proc. Known pids are re-checked one by one and
 * only pids above the highest seen are scanned, unless the pid counter wrapped (pid_max is small
 * here), in which case the whole of /proc is scanned.
 */
function trackChildren(app, daemonPid) {
  if (!daemonPid) return [];
  const last = lastPid();
  const full = last < app.maxSeen;
  if (full) app.maxSeen = 0;
  // Every child counts for maxSeen; one that has not exec'd `sleep` yet (still named after the
  // daemon) is kept in `pending` and re-checked until it has.
  for (const pid of liveChildren(daemonPid, { minPid: app.maxSeen })) {
    if (pid > app.maxSeen) app.maxSeen = pid;
    if (!app.known.has(pid)) app.pending.add(pid);
  }
  for (const pid of app.pending) {
    const st = procStat(pid);
    if (st === null || st.state === 'Z' || st.state === 'X' || st.ppid !== daemonPid) app.pending.delete(pid);
    else if (st.comm === 'sleep') {
      app.pending.delete(pid);
      app.known.add(pid);
      app.everSeen.add(pid);
    }
  }
  const live = [];
  for (const pid of app.known) {
    if (isAlive(pid)) live.push(pid);
    else app.known.delete(pid);
  }
  return live;
}

function newApp(prefix, n) {
  return { dir: shortTmp(prefix), n, known: new Set(), pending: new Set(), everSeen: new Set(), maxSeen: 0, destroyed: false };
}

// ---------------------------------------------------------------------------------------------
export function procodilePeer(cliPath) {
  const cli = resolve(cliPath);
  let version = 'unknown';
  try {
    version = readFileSync(join(cli, '..', '..', 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)[1];
  } catch {
    // keep unknown
  }
  return {
    // The installed command (the dist/procodile launcher) is run as users run it; a .cjs file
    // is given to node.
    ...procodileLike(
      'procodile',
      (app, ...args) => (cli.endsWith('.cjs') ? [NODE, [cli, ...args, '-r', app.dir], cleanEnv()] : [cli, [...args, '-r', app.dir], cleanEnv()]),
      'pcb-',
      ['node', 'procodile'],
    ),
    available: existsSync(cli),
    reason: existsSync(cli) ? undefined : `${cli} not built`,
    version,
  };
}

/**
 * Ruby Procodile, the tool procodile re-implements, run from its published source (a tarball
 * or an unpacked directory, BENCH_RUBY_PROCODILE) with the system's ruby. It keeps its files
 * where procodile does (ROOT/pids/NAME.N.pid, procodile.pid), so the same driver serves both.
 */
export async function rubyProcodilePeer(source) {
  const base = { name: 'ruby', available: false, version: null, stopLeavesSupervisor: false };
  const ruby = await run('/bin/sh', ['-c', 'command -v ruby']).catch(() => null);
  if (ruby === null || ruby.code !== 0) return { ...base, reason: 'ruby not installed (apt-get install -y ruby)' };
  if (!existsSync(source)) return { ...base, reason: `Ruby Procodile source not found at ${source} (set BENCH_RUBY_PROCODILE)` };
  let dir = source;
  if (!statSync(source).isDirectory()) {
    dir = shortTmp('pcb-rbsrc-');
    onCleanup(() => removeDir(dir));
    const untar = await run('tar', ['-xzf', source, '-C', dir, '--strip-components=1']);
    if (untar.code !== 0) return { ...base, reason: `cannot unpack ${source}: ${untar.stderr.trim()}` };
  }
  const bin = join(dir, 'bin', 'procodile');
  const lib = join(dir, 'lib');
  if (!existsSync(bin)) return { ...base, reason: `${bin} missing` };
  let version = 'unknown';
  try {
    version = readFileSync(join(lib, 'procodile', 'version.rb'), 'utf8').match(/VERSION\s*=\s*['"]([^'"]+)/)[1];
  } catch {
    // keep unknown
  }
  const rubyBin = ruby.stdout.trim();
  const rv = await run(rubyBin, ['-e', 'print RUBY_VERSION']).catch(() => null);
  return {
    ...procodileLike('ruby', (app, ...args) => [rubyBin, ['-I', lib, bin, ...args, '-r', app.dir], cleanEnv()], 'pcb-rb-', ['ruby', 'procodile']),
    available: true,
    version: `${version} (ruby ${rv?.stdout.trim() ?? '?'})`,
  };
}

function procodileLike(name, cmd, prefix, supervisorComms) {
  return {
    name,
    stopLeavesSupervisor: false,
    create(n, { procfile } = {}) {
      const app = newApp(prefix, n);
      writeFileSync(join(app.dir, 'Procfile'), procfile ?? `idle: sleep ${IDLE_SECONDS}\n`);
      if (procfile === undefined) writeFileSync(join(app.dir, 'Procfile.options'), `processes:\n  idle:\n    quantity: ${n}\n`);
      return app;
    },
    startCmd: (app) => cmd(app, 'start'),
    restartCmd: (app) => cmd(app, 'restart'),
    stopCmd: (app) => cmd(app, 'stop', '-s', '--wait'),
    statusCmd: (app) => cmd(app, 'status', '--json'),
    alive(app) {
      // `restart` replaces idle.1 by a new instance (idle.11, ...), so read every idle.*.pid.
      const live = [];
      let files = [];
      try {
        files = readdirSync(join(app.dir, 'pids')).filter((f) => /^idle\.\d+\.pid$/.test(f));
      } catch {
        // not created yet
      }
      for (const file of files) {
        const pid = readPidFile(join(app.dir, 'pids', file));
        if (pid !== null && isAlive(pid)) {
          live.push(pid);
          app.everSeen.add(pid);
        }
      }
      return live;
    },
    supervisorPid: (app) => readPidFile(join(app.dir, 'pids', 'procodile.pid')),
    async destroy(app) {
      if (app.destroyed) return;
      app.destroyed = true;
      const sup = readPidFile(join(app.dir, 'pids', 'procodile.pid'));
      if (sup !== null && isAlive(sup)) {
        const [f, a, e] = cmd(app, 'stop', '-s', '--wait');
        await run(f, a, { env: e, timeoutMs: 30_000 }).catch(() => undefined);
      }
      if (existsSync(join(app.dir, 'pids'))) {
        const [f, a, e] = cmd(app, 'kill');
        await run(f, a, { env: e, timeoutMs: 10_000 }).catch(() => undefined);
      }
      if (sup !== null) killTracked([sup], supervisorComms);
      killTracked(app.everSeen, ['sleep', 'node']);
      removeDir(app.dir);
    },
  };
}

// ---------------------------------------------------------------------------------------------
export async function pm2Peer(peersDir) {
  const bin = join(peersDir, 'node_modules', 'pm2', 'bin', 'pm2');
  const base = { name: 'pm2', available: false, version: null, stopLeavesSupervisor: false };
  if (!existsSync(bin)) return { ...base, reason: `PM2 not installed in ${peersDir} (npm install --prefix ${peersDir} pm2)` };
  let version;
  try {
    version = JSON.parse(readFileSync(join(peersDir, 'node_modules', 'pm2', 'package.json'), 'utf8')).version;
  } catch (e) {
    return { ...base, reason: `PM2 package unreadable: ${e.message}` };
  }
  const env = (app) => cleanEnv({ PM2_HOME: join(app.dir, 'h') });
  const cmd = (app, ...args) => [NODE, [bin, ...args], env(app)];
  const daemonPid = (app) => readPidFile(join(app.dir, 'h', 'pm2.pid'));
  return {
    ...base,
    available: true,
    version,
    create(n, { shell, separateApps } = {}) {
      const app = newApp('pcb-pm2-', n);
      mkdirSync(join(app.dir, 'h'));
      // `shell`: a /bin/sh command run with PM2's default restart policy (crash-loop scenario).
      // `separateApps`: n apps p1..pN of one instance each running `sleep SECONDS`, the
      // counterpart of a Procfile of n processes (scale.mjs).
      const idle = (name, instances, seconds = IDLE_SECONDS) => ({ name, script: 'sleep', args: seconds, interpreter: 'none', instances, exec_mode: 'fork', autorestart: true });
      const conf = {
        apps:
          separateApps !== undefined
            ? Array.from({ length: n }, (_, i) => idle(`p${i + 1}`, 1, String(separateApps)))
            : [shell === undefined ? idle('idle', n) : { name: 'crash', script: '/bin/sh', args: ['-c', shell], interpreter: 'none', instances: n, exec_mode: 'fork' }],
      };
      writeFileSync(join(app.dir, 'eco.config.js'), `module.exports = ${JSON.stringify(conf)};\n`);
      return app;
    },
    startCmd: (app) => cmd(app, 'start', join(app.dir, 'eco.config.js')),
    restartCmd: (app) => cmd(app, 'restart', 'all'),
    stopCmd: (app) => cmd(app, 'kill'),
    statusCmd: (app) => cmd(app, 'jlist'),
    alive: (app) => trackChildren(app, daemonPid(app)),
    supervisorPid: daemonPid,
    async destroy(app) {
      if (app.destroyed) return;
      app.destroyed = true;
      const pid = daemonPid(app);
      if (pid !== null && isAlive(pid)) {
        const [f, a, e] = cmd(app, 'kill');
        await run(f, a, { env: e, timeoutMs: 30_000 }).catch(() => undefined);
        await waitFor(() => !isAlive(pid), { timeoutMs: 5000, intervalMs: 20 }).catch(() => undefined);
      }
      const st = pid === null ? null : procStat(pid);
      if (st !== null && st.state !== 'Z' && /PM2|node/.test(st.comm)) {
        // A daemon that did not go: frozen first, so that it spawns nothing more and no child
        // of it can be reaped (its pid reused) meanwhile, then every child it still has
        // (`sleep` or not yet exec'd) goes, then the daemon.
        try {
          process.kill(pid, 'SIGSTOP');
        } catch {
          // gone meanwhile
        }
        killTracked(liveChildren(pid), null);
        killTracked([pid], ['PM2', 'node']);
      }
      trackChildren(app, pid);
      killTracked(app.everSeen, ['sleep']);
      removeDir(app.dir);
    },
  };
}

// ---------------------------------------------------------------------------------------------
export async function supervisordPeer() {
  const base = { name: 'supervisord', available: false, version: null, stopLeavesSupervisor: true };
  const which = await run('/bin/sh', ['-c', 'command -v supervisord && command -v supervisorctl']).catch(() => null);
  if (which === null || which.code !== 0) return { ...base, reason: 'supervisord not installed (apt-get install -y supervisor)' };
  const [supervisord, supervisorctl] = which.stdout.trim().split('\n');
  const v = await run(supervisord, ['--version']).catch(() => null);
  const conf = (app) => join(app.dir, 's.conf');
  const pidOf = (app) => readPidFile(join(app.dir, 'supervisord.pid'));
  const ctl = (app, ...args) => [supervisorctl, ['-c', conf(app), ...args], cleanEnv()];
  return {
    ...base,
    available: true,
    version: v?.stdout.trim() || 'unknown',
    create(n, { shell } = {}) {
      const app = newApp('pcb-sv-', n);
      const d = app.dir;
      // `shell`: a /bin/sh command run with supervisord's default autorestart, startsecs and
      // startretries (crash-loop scenario).
      const program =
        shell === undefined
          ? ['[program:idle]', `command=sleep ${IDLE_SECONDS}`, `numprocs=${n}`, 'process_name=%(program_name)s_%(process_num)d', 'autorestart=true', 'startsecs=0']
          : ['[program:crash]', `command=/bin/sh -c "${shell.replace(/%/g, '%%')}"`, `numprocs=${n}`, 'process_name=%(program_name)s_%(process_num)d'];
      writeFileSync(
        conf(app),
        [
          '[unix_http_server]',
          `file=${d}/s.sock`,
          '[supervisord]',
          `logfile=${d}/supervisord.log`,
          `pidfile=${d}/supervisord.pid`,
          `childlogdir=${d}`,
          'user=root',
          '[rpcinterface:supervisor]',
          'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
          '[supervisorctl]',
          `serverurl=unix://${d}/s.sock`,
          ...program,
          `stdout_logfile=${d}/%(program_name)s_%(process_num)d.log`,
          'redirect_stderr=true',
          '',
        ].join('\n'),
      );
      return app;
    },
    startCmd: (app) => [supervisord, ['-c', conf(app)], cleanEnv()],
    restartCmd: (app) => ctl(app, 'restart', 'all'),
    stopCmd: (app) => ctl(app, 'stop', 'all'),
    statusCmd: (app) => ctl(app, 'status'),
    alive: (app) => trackChildren(app, pidOf(app)),
    supervisorPid: pidOf,
    async destroy(app) {
      if (app.destroyed) return;
      app.destroyed = true;
      const pid = pidOf(app);
      if (pid !== null && isAlive(pid)) {
        const [f, a, e] = ctl(app, 'shutdown');
        await run(f, a, { env: e, timeoutMs: 30_000 }).catch(() => undefined);
        await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, intervalMs: 20 }).catch(() => undefined);
      }
      if (pid !== null) {
        killTracked([pid], ['supervisord', 'python']);
        await sleep(10);
      }
      trackChildren(app, pid);
      killTracked(app.everSeen, ['sleep']);
      removeDir(app.dir);
    },
  };
}
