// Tests for YAML reading: schemas, syntax errors with positions, and value-path line lookup.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineOf, locate, parseYaml, readYamlFile } from '../../src/config/yaml-file.js';

describe('parseYaml', () => {
  it('keeps Procfile scalars as text with the failsafe schema', () => {
    const result = parseYaml('web: 0777\nn: 1e3\nb: true\n', '/a/Procfile', { schema: 'failsafe' });
    assert.ok(result.ok);
    assert.deepEqual(result.value.value, { web: '0777', n: '1e3', b: 'true' });
  });

  it('types scalars with the core schema', () => {
    const result = parseYaml('port: 3000\nflag: true\nname: x\n', '/a/o', { schema: 'core' });
    assert.ok(result.ok);
    assert.deepEqual(result.value.value, { port: 3000, flag: true, name: 'x' });
  });

  it('gives null for an empty or comment-only document', () => {
    for (const text of ['', '# nothing\n']) {
      const result = parseYaml(text, '/a/o', { schema: 'core' });
      assert.ok(result.ok);
      assert.equal(result.value.value, null);
    }
  });

  it('resolves merge keys in core files', () => {
    const result = parseYaml('base: &b {quantity: 2}\nweb:\n  <<: *b\n', '/a/o', { schema: 'core' });
    assert.ok(result.ok);
    assert.deepEqual(result.value.value, { base: { quantity: 2 }, web: { quantity: 2 } });
  });

  it('reports syntax errors with file, line, column and advice', () => {
    const result = parseYaml('a: 1\nb:\n  - x\n c: 2\n', '/a/Procfile.options', { schema: 'core' });
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'YAML_SYNTAX');
    assert.match(result.error.message, /^\/a\/Procfile\.options:4:1: invalid YAML: /);
    assert.match(result.error.message, /All mapping items must start at the same column\./);
    assert.match(result.error.message, /Fix the YAML syntax/);
  });

  it('reports duplicate keys in core files unless told not to', () => {
    const strict = parseYaml('a: 1\na: 2\n', '/a/o', { schema: 'core' });
    assert.ok(!strict.ok);
    assert.match(strict.error.message, /^\/a\/o:2:1: invalid YAML: Map keys must be unique/);
    assert.ok(parseYaml('a: 1\na: 2\n', '/a/o', { schema: 'failsafe', uniqueKeys: false }).ok);
  });
});

describe('lineOf', () => {
  const text = 'app_name: x\nprocesses:\n  web:\n    quantity: two\n  list:\n    - a\n    - b\n';
  const result = parseYaml(text, '/a/Procfile.options', { schema: 'core' });
  assert.ok(result.ok);
  const file = result.value;

  it('maps a value path to the line of its key', () => {
    assert.equal(lineOf(file, ['app_name']), 1);
    assert.equal(lineOf(file, ['processes']), 2);
    assert.equal(lineOf(file, ['processes', 'web']), 3);
    assert.equal(lineOf(file, ['processes', 'web', 'quantity']), 4);
    assert.equal(lineOf(file, ['processes', 'list', 1]), 7);
    assert.equal(locate(file, ['processes', 'web', 'quantity']), '/a/Procfile.options:4');
  });

  it('falls back to the deepest existing ancestor', () => {
    assert.equal(lineOf(file, ['processes', 'web', 'missing']), 4 - 1);
    assert.equal(lineOf(file, []), 1);
  });
});

describe('readYamlFile', () => {
  const dir = mkdtempSync('/tmp/pc-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and reports a missing one with the given code', () => {
    writeFileSync(join(dir, 'f.yml'), 'a: 1\n');
    const found = readYamlFile(join(dir, 'f.yml'), { schema: 'core' });
    assert.ok(found.ok);
    assert.deepEqual(found.value.value, { a: 1 });
    const missing = readYamlFile(join(dir, 'nope.yml'), { schema: 'core' }, 'GLOBAL_CONFIG_INVALID');
    assert.ok(!missing.ok);
    assert.equal(missing.error.code, 'GLOBAL_CONFIG_INVALID');
    assert.match(missing.error.message, /nope\.yml: no such file/);
  });
});
