// Tests for signal-name normalisation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseSignal } from '../../src/config/signals.js';

describe('normaliseSignal', () => {
  it('accepts names with or without SIG, in any case', () => {
    for (const name of ['TERM', 'term', 'SIGTERM', 'sigterm', 'SigTerm', ' TERM ']) {
      assert.equal(normaliseSignal(name), 'SIGTERM', name);
    }
    assert.equal(normaliseSignal('usr1'), 'SIGUSR1');
    assert.equal(normaliseSignal('QUIT'), 'SIGQUIT');
    assert.equal(normaliseSignal('SIGKILL'), 'SIGKILL');
  });

  it('rejects what is not a signal', () => {
    for (const name of ['', 'SIG', 'TERMINATE', 'SIGSIGTERM', '15', 'usr3', 'term-start']) {
      assert.equal(normaliseSignal(name), undefined, name);
    }
  });
});
