// Every request line is validated before it reaches the supervisor (D11).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sendRequest } from '../../src/control/client.js';
import { encodeRequest, parseRequest } from '../../src/control/protocol.js';
import { oneLine } from '../../src/control/server.js';
import { socketAddress } from '../../src/control/socket-address.js';

describe('parseRequest', () => {
  it('accepts the Procodile 2 commands with their options', () => {
    assert.deepEqual(parseRequest('status {}'), { ok: true, command: 'status', options: {} });
    const start = parseRequest('start_processes {"process_names":["web","worker.2"],"tag":"v2","port_allocations":{"web":3000}}');
    assert.equal(start.ok, true);
    assert.deepEqual(parseRequest('check_concurrency {"reload":false}'), {
      ok: true,
      command: 'check_concurrency',
      options: { reload: false },
    });
    assert.equal(parseRequest('stop {"process_names":null}').ok, true, 'null fields are ignored');
  });

  it('answers unknown commands with 404 Invalid command', () => {
    assert.deepEqual(parseRequest('not-a-command {}'), { ok: false, code: 404, message: 'Invalid command' });
  });

  it('rejects malformed requests with 400 and a reason', () => {
    for (const line of ['status', 'status {', 'status []', 'status "x"', 'stop {"process_names":"web"}', 'stop {"process_names":[1]}', 'restart {"bogus":1}', 'start_processes {"port_allocations":{"web":70000}}', 'check_concurrency {"reload":"no"}']) {
      const parsed = parseRequest(line);
      assert.equal(parsed.ok, false, line);
      if (!parsed.ok) assert.equal(parsed.code, 400, line);
    }
  });

  it('names the field: one that belongs to another command, or has the wrong type', () => {
    // stop_supervisor is a field of stop: restart must not take it.
    assert.deepEqual(parseRequest('restart {"stop_supervisor":true}'), { ok: false, code: 400, message: "Unknown field 'stop_supervisor' for restart" });
    const wrongType = parseRequest('restart {"process_names":"web"}');
    assert.ok(!wrongType.ok && wrongType.code === 400 && wrongType.message.includes("'process_names'"), JSON.stringify(wrongType));
  });

  it('round-trips what the client encodes', () => {
    const line = encodeRequest('restart', { process_names: ['web'], tag: 'x' });
    assert.ok(line.endsWith('\n'));
    assert.deepEqual(parseRequest(line.trimEnd()), { ok: true, command: 'restart', options: { process_names: ['web'], tag: 'x' } });
  });
});

describe('socketAddress', () => {
  it('uses short paths as they are', () => {
    const address = socketAddress('/tmp/x/pids/procodile.sock');
    assert.equal(address.address, '/tmp/x/pids/procodile.sock');
    address.release();
  });
  it('reaches long paths through the directory descriptor', () => {
    const long = `/tmp/${'d'.repeat(120)}/procodile.sock`;
    assert.throws(() => socketAddress(long), /ENOENT/, 'the directory must exist to be opened');
    const address = socketAddress(`/tmp/${'/'.repeat(110)}procodile.sock`);
    assert.match(address.address, /^\/proc\/self\/fd\/\d+\/procodile\.sock$/);
    address.release();
  });
});

describe('oneLine', () => {
  it('joins an error into one reply line without the quoted source and caret', () => {
    const message = 'Procfile:2:4: invalid YAML: bad\nx: echo "a: b"\n   ^\nQuote the value.';
    assert.equal(oneLine(message), 'Procfile:2:4: invalid YAML: bad Quote the value.');
    assert.equal(oneLine('first\nsecond'), 'first second');
  });
});

describe('sendRequest', () => {
  it('gives up on a supervisor that accepts the connection but never answers', async () => {
    const dir = mkdtempSync('/tmp/pc-');
    const sock = join(dir, 'procodile.sock');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(sock, resolve));
    try {
      const started = Date.now();
      // Our own pid stands in for the supervisor's: alive and of our user.
      const supervisorPidPath = join(dir, 'procodile.pid');
      writeFileSync(supervisorPidPath, String(process.pid));
      const target = { root: dir, sockPath: sock, supervisorPidPath, processes: [] };
      await assert.rejects(sendRequest(target, 'status', {}, { deadlineMs: 300 }), /did not answer 'status' within 0\.3s; it may be stuck/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      silent.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
