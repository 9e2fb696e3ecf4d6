// Tests for application resolution: --root/--procfile, the current directory and the global config.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAppLocation, type GlobalConfigEntry, type ResolveAppInput } from '../../src/config/app-resolution.js';
import type { AppLocation } from '../../src/config/types.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync('/tmp/pc-');
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const empty = tempDir();
const noChooser = () => Promise.reject(new Error('the chooser must not be called'));

async function resolve(input: Partial<ResolveAppInput>): Promise<Awaited<ReturnType<typeof resolveAppLocation>>> {
  return resolveAppLocation({
    cwd: empty,
    env: { PROCODILE_CONFIG: join(empty, 'no-such-config') },
    choose: noChooser,
    ...input,
  });
}

async function location(input: Partial<ResolveAppInput>): Promise<AppLocation> {
  const result = await resolve(input);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

async function failure(input: Partial<ResolveAppInput>): Promise<{ code: string; message: string }> {
  const result = await resolve(input);
  assert.ok(!result.ok, 'expected an error');
  return result.error;
}

describe('resolveAppLocation: command-line options (scenarios 1-4)', () => {
  it('resolves --procfile relative to --root', async () => {
    const expected = { root: '/app', procfile: '/app/Procfile' };
    assert.deepEqual(await location({ cwd: '/', root: '/app', procfile: 'Procfile' }), expected);
    assert.deepEqual(await location({ cwd: '/', root: '/app/', procfile: 'Procfile' }), expected);
    assert.deepEqual(await location({ cwd: '/srv', root: 'app/app1', procfile: 'config/PFile' }), {
      root: '/srv/app/app1',
      procfile: '/srv/app/app1/config/PFile',
    });
  });

  it('leaves the procfile unset with --root only', async () => {
    assert.deepEqual(await location({ cwd: '/home', root: '/some/app' }), { root: '/some/app' });
  });

  it('takes the root from the directory of --procfile', async () => {
    assert.deepEqual(await location({ cwd: '/app', procfile: '/myapps/Procfile' }), {
      root: '/myapps',
      procfile: '/myapps/Procfile',
    });
    assert.deepEqual(await location({ cwd: '/app', procfile: 'sub/PFile' }), {
      root: '/app/sub',
      procfile: '/app/sub/PFile',
    });
  });

  it('uses the current directory when it has a Procfile, with no --procfile (Q13)', async () => {
    const cwd = tempDir({ Procfile: 'web: x\n' });
    assert.deepEqual(await location({ cwd }), { root: cwd });
  });
});

describe('resolveAppLocation: global configuration (as in Procodile)', () => {
  it('reports a missing Procfile when there is no global config', async () => {
    const error = await failure({});
    assert.equal(error.code, 'PROCFILE_NOT_FOUND');
    assert.equal(error.message, `Could not find Procfile in ${empty}/Procfile`);
  });

  it('reports a missing Procfile for an empty config or an empty list', async () => {
    for (const text of ['', '[]\n']) {
      const config = join(tempDir({ g: text }), 'g');
      const error = await failure({ env: { PROCODILE_CONFIG: config } });
      assert.equal(error.code, 'PROCFILE_NOT_FOUND');
    }
  });

  it('uses a single mapping directly (Q14)', async () => {
    const config = join(tempDir({ g: 'name: one\nroot: /srv/one\nprocfile: PFile\n' }), 'g');
    const expected = { root: '/srv/one', procfile: '/srv/one/PFile' };
    assert.deepEqual(await location({ env: { PROCODILE_CONFIG: config } }), expected);
  });

  it('uses a one-entry list directly', async () => {
    const config = join(tempDir({ g: '- root: /srv/only/\n' }), 'g');
    assert.deepEqual(await location({ env: { PROCODILE_CONFIG: config } }), { root: '/srv/only' });
  });

  const two =
    '- name: first\n  root: /srv/first\n' + '- name: second\n  root: /srv/second\n  procfile: /etc/second/Procfile\n';

  it('selects by the 0-based PROCODILE_APP_ID (scenario 5)', async () => {
    const config = join(tempDir({ g: two }), 'g');
    const first = await location({ env: { PROCODILE_CONFIG: config, PROCODILE_APP_ID: '0' } });
    assert.deepEqual(first, { root: '/srv/first' });
    assert.deepEqual(await location({ env: { PROCODILE_CONFIG: config, PROCODILE_APP_ID: '1' } }), {
      root: '/srv/second',
      procfile: '/etc/second/Procfile',
    });
  });

  it('rejects an app id that is out of range or not a number', async () => {
    const config = join(tempDir({ g: two }), 'g');
    const range = await failure({ env: { PROCODILE_CONFIG: config, PROCODILE_APP_ID: '2' } });
    assert.equal(range.code, 'INVALID_ARGUMENT');
    assert.match(range.message, /PROCODILE_APP_ID is 2/);
    assert.match(range.message, new RegExp(config));
    const word = await failure({ env: { PROCODILE_CONFIG: config, PROCODILE_APP_ID: 'first' } });
    assert.equal(word.code, 'INVALID_ARGUMENT');
    assert.match(word.message, /PROCODILE_APP_ID must be a number from 0 to 1, got 'first'/);
    const negative = await failure({ env: { PROCODILE_CONFIG: config, PROCODILE_APP_ID: '-1' } });
    assert.equal(negative.code, 'INVALID_ARGUMENT');
  });

  it('asks the chooser when several applications are listed', async () => {
    const config = join(tempDir({ g: two }), 'g');
    let seen: { entries: GlobalConfigEntry[]; path: string } | undefined;
    const chosen = await location({
      env: { PROCODILE_CONFIG: config },
      choose: (entries, path) => {
        seen = { entries, path };
        return Promise.resolve(1);
      },
    });
    assert.deepEqual(chosen, { root: '/srv/second', procfile: '/etc/second/Procfile' });
    assert.equal(seen?.path, config);
    assert.deepEqual(seen?.entries, [
      { name: 'first', root: '/srv/first' },
      { name: 'second', root: '/srv/second', procfile: '/etc/second/Procfile' },
    ]);
  });

  it('treats no choice as not found and a bad choice as an invalid app number', async () => {
    const config = join(tempDir({ g: two }), 'g');
    const none = await failure({ env: { PROCODILE_CONFIG: config }, choose: () => Promise.resolve(undefined) });
    assert.equal(none.code, 'PROCFILE_NOT_FOUND');
    const bad = await failure({ env: { PROCODILE_CONFIG: config }, choose: () => Promise.resolve(7) });
    assert.equal(bad.code, 'INVALID_ARGUMENT');
    assert.equal(bad.message, 'Invalid app number: 8');
  });

  it('prefers a Procfile in the current directory over the global config', async () => {
    const cwd = tempDir({ Procfile: 'web: x\n' });
    const config = join(tempDir({ g: two }), 'g');
    assert.deepEqual(await location({ cwd, env: { PROCODILE_CONFIG: config } }), { root: cwd });
  });

  const shapes: [string, string, RegExp][] = [
    ['a scalar', 'just text\n', /expected a list of applications/],
    ['a list of scalars', '- /srv/app\n', /entry 1 must be a mapping with a root/],
    ['an entry without a root', '- root: /a\n- name: b\n', /entry 2 has no root directory/],
    ['a mapping without a root', 'name: x\n', /the application has no root directory/],
    ['a bad procfile', '- root: /a\n  procfile: [x]\n', /entry 1 has a procfile that is not a path/],
    ['a bad name', '- root: /a\n  name: {a: 1}\n', /entry 1 has a name that is not text/],
  ];
  for (const [what, text, detail] of shapes) {
    it(`rejects ${what}`, async () => {
      const config = join(tempDir({ g: text }), 'g');
      const error = await failure({ env: { PROCODILE_CONFIG: config } });
      assert.equal(error.code, 'GLOBAL_CONFIG_INVALID');
      assert.match(error.message, new RegExp(`^Invalid global configuration format in ${config}: `));
      assert.match(error.message, detail);
    });
  }

  it('reports YAML syntax errors in the global config', async () => {
    const config = join(tempDir({ g: '- root: [\n' }), 'g');
    const error = await failure({ env: { PROCODILE_CONFIG: config } });
    assert.equal(error.code, 'YAML_SYNTAX');
    assert.match(error.message, new RegExp(`^${config}:`));
  });

  it('resolves a relative PROCODILE_CONFIG against the current directory', async () => {
    const dir = tempDir({ g: 'root: /srv/rel\n' });
    assert.deepEqual(await location({ cwd: dir, env: { PROCODILE_CONFIG: 'g' } }), { root: '/srv/rel' });
  });
});
