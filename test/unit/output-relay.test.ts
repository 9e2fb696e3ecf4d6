// The foreground relay: whole lines, in order, prefixed, and never more buffered than the
// terminal can take.
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createColors } from '../../src/logging/colors.js';
import { OutputRelay } from '../../src/logging/output-relay.js';

const colors = createColors(false);

function collector(highWaterMark = 1 << 20): { sink: Writable; text: () => string; release: () => void } {
  let text = '';
  let held: (() => void)[] = [];
  let holding = false;
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      if (holding) held.push(callback);
      else callback();
    },
  });
  return {
    sink,
    text: () => text,
    release: () => {
      holding = false;
      for (const cb of held) cb();
      held = [];
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('OutputRelay', () => {
  it('prefixes every complete line and joins lines split across chunks', async () => {
    const out = collector();
    const relay = new OutputRelay(out.sink, colors);
    const source = new PassThrough();
    relay.attach('web.1', 'magenta', source);
    source.write('first\nsec');
    source.write('ond\nthi');
    source.end('rd');
    await tick();
    const lines = out.text().trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d web\.1 {14}\| first$/);
    assert.match(lines[1]!, /\| second$/);
    assert.match(lines[2]!, /\| third$/, 'a last line without a newline is flushed at the end');
  });

  it('keeps a multi-byte character split between chunks intact', async () => {
    const out = collector();
    const relay = new OutputRelay(out.sink, colors);
    const source = new PassThrough();
    relay.attach('web.1', 'red', source);
    const bytes = Buffer.from('café ☕\n');
    source.write(bytes.subarray(0, 4));
    source.end(bytes.subarray(4));
    await tick();
    assert.match(out.text(), /\| café ☕\n$/);
  });

  it('pauses its sources while the output is full and resumes on drain', async () => {
    let accepted = 0;
    let pending: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, callback) {
        accepted += chunk.length;
        pending = callback;
      },
    });
    const relay = new OutputRelay(slow, colors);
    const source = new PassThrough();
    relay.attach('chatty.1', 'cyan', source);
    source.write('a line long enough to fill the buffer\n');
    await tick();
    assert.equal(source.isPaused(), true, 'the source is paused once the output refuses more');
    pending?.();
    await tick();
    assert.equal(source.isPaused(), false, 'and resumed on drain');
    assert.ok(accepted > 0);
  });
});
