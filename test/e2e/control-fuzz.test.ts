// Thousands of hostile request lines at a real supervisor: it answers each one and is still
// there, answering `status` correctly, afterwards (README: control socket).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { parseRequest } from '../../src/control/protocol.js';
import { socketAddress } from '../../src/control/socket-address.js';
import { isAlive } from '../../src/proc/liveness.js';
import { appsCleanedAfterEach, readPid } from '../helpers/app.js';
import { startDaemon, status, stopAll, waitForRunning } from '../helpers/supervisor.js';

const makeApp = appsCleanedAfterEach();

/** A small deterministic generator, so a failing run can be repeated from its seed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMANDS = ['status', 'reload_config', 'start_processes', 'stop', 'restart', 'check_concurrency'];
const FIELDS = ['process_names', 'tag', 'port_allocations', 'reload', 'report_changes', 'stop_supervisor'];
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__'];
const NUMBERS = ['1e400', '-1e400', '9007199254740993', '-0', '1e308', '0.5', '-1', '65536', '123456789012345678901234567890'];

function fuzzLines(count: number, random: () => number): string[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const key = (): string => (random() < 0.5 ? pick(PROTO_KEYS) : random() < 0.7 ? pick(FIELDS) : `k${Math.floor(random() * 9)}`);
  const value = (depth: number): string => {
    const kind = Math.floor(random() * (depth > 3 ? 5 : 8));
    switch (kind) {
      case 0:
        return pick(NUMBERS);
      case 1:
        return JSON.stringify(random() < 0.3 ? '\u001b]0;owned\u0007' : 'x'.repeat(Math.floor(random() * 300)));
      case 2:
        return pick(['true', 'false', 'null']);
      case 3:
        return String(Math.floor(random() * 70000));
      case 4:
        return '""';
      case 5:
        return `[${Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1)).join(',')}]`;
      default:
        return `{${Array.from({ length: Math.floor(random() * 4) }, () => `${JSON.stringify(key())}:${value(depth + 1)}`).join(',')}}`;
    }
  };
  const makers: (() => string)[] = [
    // Random bytes (a newline would split the line, so none).
    () => Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => {
      const b = Math.floor(random() * 256);
      return b === 10 ? 32 : b;
    })).toString('latin1'),
    () => `${pick(COMMANDS)} ${value(0)}`,
    // A prototype-named key, alone or holding fields.
    () => `${pick(COMMANDS)} {${JSON.stringify(pick(PROTO_KEYS))}:${random() < 0.5 ? value(1) : '{"process_names":["web"],"stop_supervisor":true}'}}`,
    // Each field of each command with a value of the wrong type.
    () => `${pick(COMMANDS)} {${JSON.stringify(pick(FIELDS))}:${value(0)}}`,
    () => `${pick(COMMANDS)} {"port_allocations":{${JSON.stringify(key())}:${value(1)}}}`,
    () => `${pick(COMMANDS)} {"process_names":[${value(1)},${pick(NUMBERS)}]}`,
    () => `${pick(COMMANDS)} ${'['.repeat(3000)}${']'.repeat(3000)}`,
    () => `${pick(COMMANDS)} ${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
    () => `${pick([...PROTO_KEYS, 'STATUS', 'status\u0000', ''])} {}`,
    () => `${pick(COMMANDS)}${pick(['', ' ', '  ', '\t'])}${value(0).slice(0, Math.floor(random() * 10))}`,
  ];
  const lines: string[] = [];
  while (lines.length < count) {
    const line = pick(makers)();
    // A well-formed request that changes what runs would be obeyed, as it should: leave those
    // out, and keep everything the parser rejects, or throws on.
    let harmless: boolean;
    try {
      const parsed = parseRequest(line.replace(/\r$/, ''));
      harmless = !parsed.ok || parsed.command === 'status' || parsed.command === 'reload_config';
    } catch {
      harmless = true;
    }
    if (harmless) lines.push(line);
  }
  return lines;
}

/** Writes the lines on one connection and collects one reply per line. */
function exchange(sockPath: string, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const { address, release } = socketAddress(sockPath);
    const socket = connect(address);
    release();
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`only ${text.split('\n').length - 1} of ${lines.length} replies arrived`));
    }, 20_000);
    socket.on('connect', () => socket.write(Buffer.from(lines.map((l) => `${l}\n`).join(''), 'latin1')));
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.split('\n').length > lines.length) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text.split('\n').slice(0, lines.length));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

describe('control socket fuzzing', () => {
  it('survives thousands of random, malformed and prototype-named requests', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    await startDaemon(a);
    const [web] = await waitForRunning(a, 'web', 1);
    const supervisorPid = readPid(a.path('pids/procodile.pid'));
    assert.ok(supervisorPid !== undefined);
    const seed = Date.now() % 100_000;
    const random = generator(seed);
    const lines = fuzzLines(4000, random);
    const started = Date.now();
    const connections = 8;
    const per = lines.length / connections;
    const replies = await Promise.all(
      Array.from({ length: connections }, (_, i) => exchange(a.path('pids/procodile.sock'), lines.slice(i * per, (i + 1) * per))),
    );
    for (const [i, reply] of replies.flat().entries()) {
      assert.match(reply, /^(200|400|404|500) /, `seed ${seed}: reply to ${JSON.stringify(lines[i]?.slice(0, 200))}`);
    }
    assert.ok(isAlive(supervisorPid), `seed ${seed}: the supervisor died`);
    const after = await status(a);
    assert.equal(after.root, a.root);
    assert.equal(after.supervisor.pid, supervisorPid);
    assert.deepEqual(
      after.instances.web?.map((i) => [i.pid, i.status]),
      [[web!.pid, 'running']],
      `seed ${seed}: the fuzzing changed what runs`,
    );
    assert.ok(Date.now() - started < 10_000, `fuzzing took ${Date.now() - started} ms`);
    await stopAll(a);
  });

  it('answers the requests that used to end it, naming the field', async () => {
    const a = makeApp({ Procfile: 'web: sleep 300\n' });
    await startDaemon(a);
    await waitForRunning(a, 'web', 1);
    const replies = await exchange(a.path('pids/procodile.sock'), [
      'status {"__proto__":1}',
      'start_processes {"hasOwnProperty":1}',
      'status {"constructor":1}',
      'stop {"toString":"x"}',
      'restart {"stop_supervisor":true}',
      'stop {"stop_supervisor":"yes"}',
      'status {}',
    ]);
    assert.equal(replies[0], "400 Unknown field '__proto__' for status");
    assert.equal(replies[1], "400 Unknown field 'hasOwnProperty' for start_processes");
    assert.equal(replies[2], "400 Unknown field 'constructor' for status");
    assert.equal(replies[3], "400 Unknown field 'toString' for stop");
    assert.equal(replies[4], "400 Unknown field 'stop_supervisor' for restart");
    assert.match(replies[5]!, /^400 Invalid value for 'stop_supervisor'/);
    assert.match(replies[6]!, /^200 \{/);
    await stopAll(a);
  });
});
