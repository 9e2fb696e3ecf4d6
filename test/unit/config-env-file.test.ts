// Tests for the dotenv-format env file parser (D10).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvFile, readEnvFile } from '../../src/config/env-file.js';

function parsed(text: string): Record<string, string> {
  const result = parseEnvFile(text, '/app/.env');
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

function failure(text: string): { code: string; message: string } {
  const result = parseEnvFile(text, '/app/.env');
  assert.ok(!result.ok, 'expected a parse error');
  return { code: result.error.code, message: result.error.message };
}

describe('parseEnvFile', () => {
  it('keeps keys as written and skips blank and comment lines', () => {
    assert.deepEqual(parsed('# comment\n\n  pong=pong\nFRUIT = apple \n   # indented comment\nEMPTY=\n'), {
      pong: 'pong',
      FRUIT: 'apple',
      EMPTY: '',
    });
  });

  it('accepts an export prefix', () => {
    assert.deepEqual(parsed('export A=1\nexport   B=2\nexport=3\n'), { A: '1', B: '2', export: '3' });
  });

  it('treats single quotes literally', () => {
    assert.deepEqual(parsed("A='a \\n b # not a comment'\nB='$HOME'\n"), { A: 'a \\n b # not a comment', B: '$HOME' });
  });

  it('understands escapes in double quotes', () => {
    assert.deepEqual(parsed('A="line1\\nline2\\tx \\"q\\" back\\\\slash \\$keep"\n'), {
      A: 'line1\nline2\tx "q" back\\slash \\$keep',
    });
  });

  it('lets a quoted value span lines', () => {
    assert.deepEqual(parsed('KEY="first\nsecond"\nNEXT=1\n'), { KEY: 'first\nsecond', NEXT: '1' });
  });

  it('trims unquoted values and removes inline comments', () => {
    assert.deepEqual(parsed('A=  value with spaces   # comment\nB=val#ue\nC="quoted" # comment\nD=#all comment\n'), {
      A: 'value with spaces',
      B: 'val#ue',
      C: 'quoted',
      D: '',
    });
  });

  it('keeps the value after the first =', () => {
    assert.deepEqual(parsed('URL=postgres://u:p@h/db?a=b\r\nX=1\r\n'), { URL: 'postgres://u:p@h/db?a=b', X: '1' });
  });

  it('lets the last assignment win', () => {
    assert.deepEqual(parsed('A=1\nA=2\n'), { A: '2' });
  });

  it('rejects a line without =, naming the file and line', () => {
    const error = failure('A=1\n\nnot an assignment\n');
    assert.equal(error.code, 'ENV_FILE');
    assert.match(error.message, /\/app\/\.env:3/);
    assert.match(error.message, /KEY=value/);
  });

  it('rejects an invalid key', () => {
    const error = failure('MY KEY=1\n');
    assert.equal(error.code, 'ENV_FILE');
    assert.match(error.message, /\/app\/\.env:1: "MY KEY" is not a valid variable name/);
    assert.equal(failure('=1\n').code, 'ENV_FILE');
  });

  it('rejects an unclosed quote and text after a closing quote', () => {
    const unclosed = failure('A=1\nB="open\nC=2\n');
    assert.equal(unclosed.code, 'ENV_FILE');
    assert.match(unclosed.message, /\/app\/\.env:2: .*no closing "/);
    const trailing = failure("A='x' y\n");
    assert.match(trailing.message, /\/app\/\.env:1: unexpected text "y"/);
  });
});

describe('readEnvFile', () => {
  const dir = mkdtempSync('/tmp/pc-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads an existing file', () => {
    const path = join(dir, '.env');
    writeFileSync(path, 'FRUIT=orange\n');
    const result = readEnvFile(path);
    assert.ok(result.ok);
    assert.deepEqual(result.value, { FRUIT: 'orange' });
  });

  it('reports a missing file', () => {
    const path = join(dir, '.missing.env');
    const result = readEnvFile(path);
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'ENV_FILE');
    assert.equal(result.error.message, `The file ${path} could not be found.`);
  });

  it('reports a file that cannot be read', () => {
    const result = readEnvFile(dir);
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'ENV_FILE');
    assert.match(result.error.message, new RegExp(`The file ${dir} could not be read`));
  });
});
