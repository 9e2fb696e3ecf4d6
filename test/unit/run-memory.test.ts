// The run options a supervisor keeps for its successor: read back only when well formed, and
// taken over only where the new start's command line is silent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readRecord, recordPath, writeRecord } from '../../src/runtime/adoption-record.js';
import { keepRunOptions, NOTHING_GIVEN } from '../../src/supervisor/run-memory.js';
import { processesOfAnotherRoot } from '../../src/errors.js';

function withPidRoot(body: (dir: string) => void): void {
  const dir = mkdtempSync('/tmp/pc-unit-');
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('run memory in the adoption record', () => {
  it('reads back what was written', () => {
    withPidRoot((dir) => {
      const run = { proxy: true, envFile: '/srv/app/.env', portAllocations: { web: 5000 } };
      writeRecord(dir, { instances: [], stoppingGroups: [], run });
      assert.deepEqual(readRecord(dir).run, run);
    });
  });

  for (const [what, run] of [
    ['a proxy that is not a boolean', { proxy: 'yes' }],
    ['a relative env file', { proxy: true, envFile: '../x.env' }],
    ['an env file with a newline', { proxy: true, envFile: '/a\nb' }],
    ['a port allocation for __proto__', JSON.parse('{"proxy":true,"portAllocations":{"__proto__":80}}') as unknown],
    ['a port out of range', { proxy: true, portAllocations: { web: 70000 } }],
  ] as const) {
    it(`ignores ${what}`, () => {
      withPidRoot((dir) => {
        writeFileSync(recordPath(dir), JSON.stringify({ instances: [], stoppingGroups: [], run }));
        assert.equal(readRecord(dir).run, undefined);
      });
    });
  }
});

describe("the record's application root", () => {
  it('is kept when it is an absolute path of printable text', () => {
    withPidRoot((dir) => {
      writeFileSync(recordPath(dir), JSON.stringify({ root: '/srv/app ü', instances: [], stoppingGroups: [] }));
      assert.equal(readRecord(dir).root, '/srv/app ü');
    });
  });

  // 0x9b alone starts a control sequence on terminals that obey C1 controls, as ESC [ does.
  for (const [what, root] of [
    ['a newline', '/srv/a\nb'],
    ['DEL', '/srv/a\u007fb'],
    ['a C1 control (CSI)', '/srv/a\u009b2Jb'],
  ] as const) {
    it(`is ignored when it holds ${what}`, () => {
      withPidRoot((dir) => {
        writeFileSync(recordPath(dir), JSON.stringify({ root, instances: [], stoppingGroups: [] }));
        assert.equal(readRecord(dir).root, undefined);
      });
    });
  }

  it('is shown with its control characters escaped when procodile refuses to touch its processes', () => {
    const message = processesOfAnotherRoot('/srv/pids', '/srv/a\u009b2J\u001b[31mb\u007f', '/srv/ours', 'kill them').message;
    assert.doesNotMatch(message, /[\u0000-\u001f\u007f-\u009f]/);
    assert.match(message, /\(\/srv\/a\\x9b2J\\x1b\[31mb\\x7f\)/);
  });
});

describe('keepRunOptions', () => {
  const previous = { proxy: true, envFile: '/srv/app/.env', portAllocations: { web: 5000, worker: 0 } };

  it('fills in what the command line left out', () => {
    const current = { proxy: false, portAllocations: {} } as { proxy: boolean; envFile?: string; portAllocations: Record<string, number> };
    const lines = keepRunOptions(previous, current, NOTHING_GIVEN);
    assert.deepEqual(current, { proxy: true, envFile: '/srv/app/.env', portAllocations: { web: 5000, worker: 0 } });
    assert.deepEqual(lines, [
      'Proxy kept from the previous supervisor',
      'Env file /srv/app/.env kept from the previous supervisor',
      'Port allocations web:5000,worker:0 kept from the previous supervisor',
    ]);
  });

  it('lets the command line win: --no-proxy, --env-file, --ports', () => {
    const current = { proxy: false, envFile: '/srv/app/other.env', portAllocations: { web: 6000 } };
    const lines = keepRunOptions(previous, current, { proxy: true, envFile: true, portAllocations: true });
    assert.deepEqual(current, { proxy: false, envFile: '/srv/app/other.env', portAllocations: { web: 6000 } });
    assert.deepEqual(lines, []);
  });
});
