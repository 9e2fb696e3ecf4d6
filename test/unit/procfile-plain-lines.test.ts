// The Procfile fast path (plain `name: command` lines read without YAML) must read every file it
// accepts exactly as YAML does, and hand everything else to YAML.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProcfile, plainLines } from '../../src/config/procfile.js';

/** A quoted command is never a plain line: appending one sends the whole file through YAML. */
function throughYaml(text: string): ReturnType<typeof parseProcfile> {
  const result = parseProcfile(`${text}\nzz_forced: "x"\n`, '/app/Procfile');
  return result.ok ? { ok: true, value: result.value.filter((e) => e.name !== 'zz_forced') } : result;
}

const PLAIN = [
  'web: bundle exec puma -C config/puma.rb\nworker: bundle exec sidekiq\n',
  '# comment\n\nweb:   node server.js --port=$PORT   \n  # indented comment\nclock: ./bin/clock\n',
  'web: echo a#b c:d [x] {y} ,z ~ ...\r\nw.2: sh -c \'exit 3\'\n',
  'a: x\nA: y\n',
  'true: sleep 1\nnull: sleep 2\n1: sleep 3\n',
  'web: sleep 1\nweb: sleep 2\n',
];

const FOR_YAML = [
  'web: "quoted"\n',
  'web: a: b\n',
  'web: sleep 1 # trailing comment\n',
  'web: sleep 1\n  continued\n',
  'job__AT__*/5 * * * *: ./run\n',
  'web:\tsleep 1\n',
  'web: - x\n',
  'web: *alias\n',
  '\uFEFFweb: sleep 1\n',
  'web : sleep 1\n',
  'web:sleep\n',
  'web: |\n  sleep 1\n',
  'web: ends:\n',
  'web:\n',
];

describe('Procfile plain lines', () => {
  it('reads plain Procfiles without YAML, exactly as YAML reads them', () => {
    for (const text of PLAIN) {
      assert.notEqual(plainLines(text), undefined, JSON.stringify(text));
      assert.deepEqual(parseProcfile(text, '/app/Procfile'), throughYaml(text), JSON.stringify(text));
    }
  });

  it('gives the same errors for empty files and duplicate names', () => {
    for (const empty of ['', '# only a comment\n\n']) {
      const result = parseProcfile(empty, '/app/Procfile');
      assert.ok(!result.ok && /seems to have no contents/.test(result.error.message));
    }
    const duplicate = parseProcfile('web: sleep 1\nWEB: sleep 2\n', '/app/Procfile');
    assert.ok(!duplicate.ok && /Duplicate process name 'WEB'/.test(duplicate.error.message));
    assert.deepEqual(duplicate, throughYaml('web: sleep 1\nWEB: sleep 2\n'));
  });

  it('leaves anything else to YAML', () => {
    for (const text of FOR_YAML) assert.equal(plainLines(text), undefined, JSON.stringify(text));
  });
});
