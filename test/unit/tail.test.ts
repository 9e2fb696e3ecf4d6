// Unit tests for the in-process tail: last N lines, then following appends, truncation and
// rotation with nothing lost or repeated.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { followFile, readLastLines } from '../../src/logging/tail.js';
import { waitFor } from '../helpers/app.js';

const dir = mkdtempSync('/tmp/pc-');
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function tempFile(content: string | Buffer = ''): string {
  const path = join(dir, `f${++fileCounter}.log`);
  writeFileSync(path, content);
  return path;
}

/** What `tail -n` prints, computed the obvious way. */
function expectedTail(text: string, n: number): string {
  if (n === 0 || text === '') return '';
  const trailing = text.endsWith('\n');
  const lines = (trailing ? text.slice(0, -1) : text).split('\n');
  return lines.slice(-n).join('\n') + (trailing ? '\n' : '');
}

function numbered(from: number, to: number, width = 0): string {
  let text = '';
  for (let i = from; i <= to; i++) text += `line ${i}${'x'.repeat(width)}\n`;
  return text;
}

/** How many of this process's open descriptors point at `path`. */
function openDescriptors(path: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(path)) count++;
    } catch {
      // Closed while listing.
    }
  }
  return count;
}

interface Follow {
  readonly text: string;
  stop(): Promise<void>;
  done: Promise<void>;
  /** Waits until everything received so far equals `expected` (and fails on anything else). */
  waitForText(expected: string): Promise<void>;
}

function follow(path: string, offset = statSync(path).size, useWatch = true): Follow {
  const controller = new AbortController();
  let text = '';
  let stopped = false;
  const done = followFile(
    path,
    offset,
    (chunk) => {
      assert.equal(stopped, false, 'data delivered after the follow was stopped');
      text += chunk;
    },
    controller.signal,
    { useWatch },
  );
  return {
    get text() {
      return text;
    },
    done,
    async stop() {
      stopped = true;
      controller.abort();
      await done;
    },
    async waitForText(expected) {
      await waitFor(
        () => {
          if (!expected.startsWith(text)) assert.fail(`unexpected output ${JSON.stringify(text)}, expected ${JSON.stringify(expected)}`);
          return text === expected;
        },
        10000,
        `followed text to be ${JSON.stringify(expected)}; got ${JSON.stringify(text)}`,
      );
    },
  };
}

describe('readLastLines', () => {
  it('prints the last N lines with the trailing newline', async () => {
    const path = tempFile(numbered(1, 100));
    assert.equal(await readLastLines(path, 3), 'line 98\nline 99\nline 100\n');
    assert.equal(await readLastLines(path, 1), 'line 100\n');
  });

  it('handles a file without a trailing newline', async () => {
    const path = tempFile('a\nb\nc');
    assert.equal(await readLastLines(path, 2), 'b\nc');
    assert.equal(await readLastLines(path, 1), 'c');
    assert.equal(await readLastLines(path, 10), 'a\nb\nc');
  });

  it('returns the whole file when N exceeds its line count', async () => {
    const content = numbered(1, 5);
    assert.equal(await readLastLines(tempFile(content), 50), content);
  });

  it('returns nothing for N = 0 or an empty file', async () => {
    assert.equal(await readLastLines(tempFile(numbered(1, 5)), 0), '');
    assert.equal(await readLastLines(tempFile(''), 10), '');
  });

  it('keeps empty lines', async () => {
    assert.equal(await readLastLines(tempFile('a\n\n\nb\n'), 3), '\n\nb\n');
    assert.equal(await readLastLines(tempFile('\n\n'), 1), '\n');
  });

  it('reads across 64 KB chunk boundaries', async () => {
    // ~1 KB lines: the last 150 lines span three chunks.
    const content = numbered(1, 400, 1000);
    const path = tempFile(content);
    for (const n of [1, 63, 64, 65, 150, 399, 400, 401]) {
      assert.equal(await readLastLines(path, n), expectedTail(content, n), `n = ${n}`);
    }
  });

  it('finds a newline that sits exactly on a chunk boundary', async () => {
    const chunk = 64 * 1024;
    for (const shift of [-1, 0, 1, 2]) {
      // The last line is exactly `chunk + shift` bytes including its newline.
      const content = `first\nsecond\n${'y'.repeat(chunk + shift - 1)}\n`;
      const path = tempFile(content);
      for (const n of [1, 2, 3]) assert.equal(await readLastLines(path, n), expectedTail(content, n), `shift ${shift} n ${n}`);
    }
  });

  it('returns a line longer than several chunks in one piece', async () => {
    const content = `head\n${'z'.repeat(200_000)}`;
    assert.equal(await readLastLines(tempFile(content), 1), 'z'.repeat(200_000));
  });

  it('keeps multi-byte characters that straddle chunks intact', async () => {
    const content = `start\n${'é'.repeat(70_000)}\nend\n`;
    assert.equal(await readLastLines(tempFile(content), 2), expectedTail(content, 2));
  });

  it('reads only up to `end` when given', async () => {
    const content = numbered(1, 10);
    const end = Buffer.byteLength(numbered(1, 6));
    assert.equal(await readLastLines(tempFile(content), 2, end), 'line 5\nline 6\n');
  });

  it('rejects a missing file and a bad line count', async () => {
    await assert.rejects(readLastLines(join(dir, 'missing.log'), 3), { code: 'ENOENT' });
    await assert.rejects(readLastLines(tempFile('a\n'), -1), RangeError);
    await assert.rejects(readLastLines(tempFile('a\n'), 1.5), RangeError);
  });
});

for (const useWatch of [true, false]) {
  describe(`followFile (${useWatch ? 'fs.watch and poll' : 'poll only'})`, () => {
    it('streams appended data, including partial lines, from the given offset', async () => {
      const path = tempFile(numbered(1, 3));
      const f = follow(path, undefined, useWatch);
      try {
        appendFileSync(path, 'four\n');
        await f.waitForText('four\n');
        appendFileSync(path, 'fi');
        await f.waitForText('four\nfi');
        appendFileSync(path, 've\nsix\n');
        await f.waitForText('four\nfive\nsix\n');
      } finally {
        await f.stop();
      }
    });

    it('keeps a multi-byte character split across two writes intact', async () => {
      const path = tempFile('');
      const f = follow(path, undefined, useWatch);
      try {
        const accent = Buffer.from('é');
        // 'a' shows that the first half of the character has been read (and held back).
        appendFileSync(path, Buffer.concat([Buffer.from('a'), accent.subarray(0, 1)]));
        await f.waitForText('a');
        appendFileSync(path, Buffer.concat([accent.subarray(1), Buffer.from('\n')]));
        await f.waitForText('aé\n');
      } finally {
        await f.stop();
      }
    });

    it('loses and repeats nothing under a burst of writes', async () => {
      const path = tempFile('');
      const f = follow(path, undefined, useWatch);
      try {
        let expected = '';
        for (let i = 0; i < 2000; i++) {
          const line = `burst ${i} ${'b'.repeat(i % 97)}\n`;
          appendFileSync(path, line);
          expected += line;
          if (i % 100 === 0) await new Promise((r) => setImmediate(r));
        }
        await f.waitForText(expected);
      } finally {
        await f.stop();
      }
    });

    it('rewinds when the file is truncated', async () => {
      const path = tempFile(numbered(1, 100));
      const f = follow(path, undefined, useWatch);
      try {
        appendFileSync(path, 'before\n');
        await f.waitForText('before\n');
        truncateSync(path, 0);
        appendFileSync(path, 'after\n');
        await f.waitForText('before\nafter\n');
        appendFileSync(path, 'more\n');
        await f.waitForText('before\nafter\nmore\n');
      } finally {
        await f.stop();
      }
    });

    it('starts from 0 when the offset is past the end (truncated before following)', async () => {
      const path = tempFile('short\n');
      const f = follow(path, 10_000, useWatch);
      try {
        await f.waitForText('short\n');
      } finally {
        await f.stop();
      }
    });

    it('follows a rotation: drains the old file, then reads the new one from 0', async () => {
      const path = tempFile(numbered(1, 10));
      const f = follow(path, undefined, useWatch);
      try {
        appendFileSync(path, 'old 1\n');
        await f.waitForText('old 1\n');
        renameSync(path, `${path}.1`);
        // The writer has not reopened yet: it still appends to the renamed file.
        appendFileSync(`${path}.1`, 'old 2\n');
        writeFileSync(path, 'new 1\n');
        await f.waitForText('old 1\nold 2\nnew 1\n');
        appendFileSync(path, 'new 2\n');
        await f.waitForText('old 1\nold 2\nnew 1\nnew 2\n');
      } finally {
        await f.stop();
      }
    });

    it('picks up a file that disappears and comes back', async () => {
      const path = tempFile('');
      const f = follow(path, undefined, useWatch);
      try {
        appendFileSync(path, 'one\n');
        await f.waitForText('one\n');
        unlinkSync(path);
        writeFileSync(path, 'two\n');
        await f.waitForText('one\ntwo\n');
        appendFileSync(path, 'three\n');
        await f.waitForText('one\ntwo\nthree\n');
      } finally {
        await f.stop();
      }
    });

    it('waits for a file that does not exist yet and reads it from 0', async () => {
      const path = join(dir, `later-${String(useWatch)}.log`);
      const f = follow(path, 0, useWatch);
      try {
        writeFileSync(path, 'hello\n');
        await f.waitForText('hello\n');
      } finally {
        await f.stop();
      }
    });

    it('follows the sequence last 3, appends, truncate, rotate', async () => {
      const path = tempFile(numbered(1, 100));
      const size = statSync(path).size;
      let text = await readLastLines(path, 3, size);
      assert.equal(text, 'line 98\nline 99\nline 100\n');
      const f = follow(path, size, useWatch);
      try {
        appendFileSync(path, 'line 101\nline 102\n');
        await f.waitForText('line 101\nline 102\n');
        truncateSync(path, 0);
        appendFileSync(path, 'after truncate\n');
        await f.waitForText('line 101\nline 102\nafter truncate\n');
        renameSync(path, `${path}.1`);
        writeFileSync(path, 'rotated 1\n');
        await f.waitForText('line 101\nline 102\nafter truncate\nrotated 1\n');
        appendFileSync(path, 'rotated 2\n');
        text = 'line 101\nline 102\nafter truncate\nrotated 1\nrotated 2\n';
        await f.waitForText(text);
      } finally {
        await f.stop();
      }
    });

    it('stops when the signal aborts and closes the file', async () => {
      const path = tempFile('x\n');
      const f = follow(path, undefined, useWatch);
      appendFileSync(path, 'y\n');
      await f.waitForText('y\n');
      assert.ok(openDescriptors(path) >= 1, 'the followed file should be open while following');
      await f.stop();
      assert.equal(openDescriptors(path), 0);
    });

    it('returns at once for an already aborted signal', async () => {
      const controller = new AbortController();
      controller.abort();
      await followFile(tempFile('x\n'), 0, () => assert.fail('no data expected'), controller.signal);
    });
  });
}
