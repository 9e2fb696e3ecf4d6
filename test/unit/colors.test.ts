// Terminal colours: plain text when off, balanced ANSI codes when on, nesting preserved.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createColors } from '../../src/logging/colors.js';

describe('createColors', () => {
  it('returns the text untouched when colour is off', () => {
    const c = createColors(false);
    assert.equal(c.red('failed'), 'failed');
    assert.equal(c.bgMagenta(c.white('x')), 'x');
  });

  it('wraps the text in an opening and a closing code when colour is on', () => {
    const c = createColors(true);
    assert.equal(c.green('ok'), '\x1b[32mok\x1b[39m');
    assert.equal(c.bgMagenta('x'), '\x1b[45mx\x1b[49m');
  });

  it('reopens the outer colour after a nested one closes', () => {
    const c = createColors(true);
    assert.equal(c.red(`a ${c.blue('b')} c`), '\x1b[31ma \x1b[34mb\x1b[39m\x1b[31m c\x1b[39m');
  });
});
