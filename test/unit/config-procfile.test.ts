// Tests for Procfile parsing: scalar commands, schedules, duplicates and the error paths.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcfile, readProcfile, type ProcfileEntry } from '../../src/config/procfile.js';

const PATH = '/app/Procfile';

function entries(text: string): ProcfileEntry[] {
  const result = parseProcfile(text, PATH);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

function failure(text: string): { code: string; message: string } {
  const result = parseProcfile(text, PATH);
  assert.ok(!result.ok, 'expected an error');
  return result.error;
}

describe('parseProcfile', () => {
  it('reads name: command pairs in file order, keeping text exactly', () => {
    const list = entries('web: ruby process.rb web\nworker: 0777\n# a comment\nnum: 1e3   # trailing comment\n');
    assert.deepEqual(
      list.map((entry) => [entry.name, entry.command, entry.line]),
      [
        ['web', 'ruby process.rb web', 1],
        ['worker', '0777', 2],
        ['num', '1e3', 4],
      ],
    );
    assert.equal(list[0]!.schedule, undefined);
    assert.ok(!('schedule' in list[0]!));
  });

  it('splits NAME__AT__SCHEDULE keys', () => {
    const list = entries('job1__AT__*/5 * * * * *: echo one\njob2__AT__ */10 * * * * * : echo two\n');
    assert.deepEqual(
      list.map((entry) => [entry.name, entry.schedule, entry.key]),
      [
        ['job1', '*/5 * * * * *', 'job1__AT__*/5 * * * * *'],
        ['job2', '*/10 * * * * *', 'job2__AT__ */10 * * * * *'],
      ],
    );
  });

  it('splits at the first __AT__ only', () => {
    assert.match(failure('a__AT__b__AT__c: x\n').message, /the schedule 'b__AT__c' of process 'a' is not a valid cron schedule/);
  });

  it('treats job__aT__ as an ordinary name', () => {
    const list = entries('job__aT__daily: echo hi\n');
    assert.equal(list.length, 1);
    assert.equal(list[0]!.name, 'job__aT__daily');
    assert.equal(list[0]!.schedule, undefined);
  });

  it('reports an empty or whitespace-only file', () => {
    for (const text of ['', '   \n\n\t\n', '# only a comment\n', '{}\n']) {
      const error = failure(text);
      assert.equal(error.code, 'PROCFILE_EMPTY', JSON.stringify(text));
      assert.match(error.message, /\/app\/Procfile seems to have no contents/);
      assert.equal(error.message.split('\n').length, 2);
    }
  });

  it('reports duplicate names, ignoring case and schedules, naming both entries', () => {
    const error = failure('a: x\nb: y\njob__AT__* * * * *: z\nB: w\n');
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, /Duplicate process name 'B' in Procfile \/app\/Procfile:4/);
    assert.match(error.message, /'b' on line 2/);
    const scheduled = failure('job: x\nJOB__AT__* * * * *: y\n');
    assert.match(scheduled.message, /'JOB__AT__\* \* \* \* \*' clashes with 'job' on line 1/);
  });

  it('reports exact duplicate keys itself rather than as a YAML error', () => {
    const error = failure('web: a\nweb: b\n');
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, /Duplicate process name 'web'.*:2.*line 1/);
  });

  it('reports a non-scalar command with key and line', () => {
    const list = failure('web: ok\nworker:\n  - a\n  - b\n');
    assert.equal(list.code, 'CONFIG_INVALID');
    assert.match(list.message, /\/app\/Procfile:2: the command for 'worker' must be a single line/);
    const nested = failure('web: echo "time: now"\n');
    assert.equal(nested.code, 'YAML_SYNTAX');
  });

  it('reports a Procfile that is not a mapping', () => {
    const error = failure('- web\n- worker\n');
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, /\/app\/Procfile:1: a Procfile must be/);
  });

  it('reports an empty command, an empty name and an empty schedule', () => {
    assert.match(failure('web:\n').message, /\/app\/Procfile:1: process 'web' has no command/);
    assert.match(failure('__AT__* * * * *: x\n').message, /no process name/);
    assert.match(failure('job__AT__  : x\n').message, /empty schedule/);
  });

  it('reports YAML syntax errors with file, line and column', () => {
    const error = failure('web: a\n  bad: indent\nother: "unclosed\n');
    assert.equal(error.code, 'YAML_SYNTAX');
    assert.match(error.message, /^\/app\/Procfile:\d+:\d+: invalid YAML: /);
    assert.match(error.message, /must be quoted/);
  });

  it('names the last line, not a line past the end, when the file ends inside a value', () => {
    const error = failure('web: sleep 1\nworker: [a,\n');
    assert.equal(error.code, 'YAML_SYNTAX');
    assert.match(error.message, /^\/app\/Procfile:2: invalid YAML: .*, at the end of the file\.\nworker: \[a,\n/);
  });
});

describe('readProcfile', () => {
  const dir = mkdtempSync('/tmp/pc-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file', () => {
    const path = join(dir, 'Procfile');
    writeFileSync(path, 'web: sleep 1\n');
    const result = readProcfile(path);
    assert.ok(result.ok);
    assert.equal(result.value[0]!.command, 'sleep 1');
  });

  it('reports a missing file', () => {
    const result = readProcfile(join(dir, 'Nope'));
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'PROCFILE_NOT_FOUND');
    assert.match(result.error.message, /Nope/);
  });
});
