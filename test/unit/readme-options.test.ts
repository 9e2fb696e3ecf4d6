// Every key an options file may hold is documented in README.md, so nothing is accepted
// silently without a word on what it does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROCESS_KEYS, TOP_LEVEL_KEYS } from '../../src/config/options.js';
import { REPO_ROOT } from '../helpers/app.js';

describe('README.md', () => {
  it('documents every options file key', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const undocumented = [...TOP_LEVEL_KEYS, ...PROCESS_KEYS].filter(
      (key) => !new RegExp(`(^|[\\s\`])${key}(:|\`)`, 'm').test(readme),
    );
    assert.deepEqual(undocumented, []);
  });
});
