// The npm package as users get it: packed, installed into a fresh prefix with no network, and
// run from the installed bin link (README.md, "Installing").
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appsCleanedAfterEach, REPO_ROOT, waitFor } from '../helpers/app.js';
import { isAlive } from '../../src/proc/liveness.js';

const run = promisify(execFile);
const NOBODY = 65534;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function runBin(bin: string, args: string[], opts: { cwd?: string; uid?: number } = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(bin, args, {
      cwd: opts.cwd ?? '/',
      uid: opts.uid,
      gid: opts.uid,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1' },
      timeout: 20000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

describe('the npm package', () => {
  const newApp = appsCleanedAfterEach();
  let work = '';
  let bin = '';
  let installed = '';

  before(async () => {
    work = mkdtempSync('/tmp/pc-pkg-');
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO_ROOT });
    const [tarball] = JSON.parse(packed.stdout) as { filename: string }[];
    assert.ok(tarball !== undefined, packed.stdout);
    const prefix = join(work, 'prefix');
    // --offline: the package must install from the tarball alone (it has no dependencies).
    await run(
      'npm',
      ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(work, tarball.filename)],
      { cwd: work, env: { ...process.env, npm_config_cache: join(work, 'cache') } },
    );
    bin = join(prefix, 'bin', 'procodile');
    installed = join(prefix, 'lib', 'node_modules', 'procodile');
    // Let another user reach the installed files, as in a global install under /usr/local.
    chmodSync(work, 0o755);
  });

  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('installs with no dependencies and prints its version', async () => {
    assert.equal(existsSync(join(installed, 'node_modules')), false, 'the bundle needs no runtime dependency');
    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runBin(bin, ['--version']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^${version.version.replaceAll('.', '\\.')} \\(rev `));
  });

  it('runs for a user who cannot write its directory, without a code cache', async () => {
    const caches = (): string[] => readdirSync(join(installed, 'dist')).filter((f) => f.includes('v8cache'));
    const before = caches();
    const result = await runBin(bin, ['--version'], { uid: NOBODY });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /\(rev /);
    assert.deepEqual(caches(), before);
  });

  it('starts, reports and stops the example application', async () => {
    const app = newApp();
    cpSync(join(REPO_ROOT, 'examples', 'hello'), app.root, { recursive: true });
    const started = await runBin(bin, ['-r', app.root, 'start']);
    assert.equal(started.code, 0, started.stderr);
    const status = await waitFor(async () => {
      const s = await runBin(bin, ['-r', app.root, 'status', '--simple']);
      return s.stdout.startsWith('OK') ? s : undefined;
    }, 15000, 'every instance running');
    assert.match(status.stdout, /web\[2\], worker\[1\]/);
    const supervisorPid = Number(readFileSync(app.path('pids', 'procodile.pid'), 'utf8'));
    const stopped = await runBin(bin, ['-r', app.root, 'stop', '-s', '--wait'], { cwd: app.root });
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(isAlive(supervisorPid), false);
  });
});
