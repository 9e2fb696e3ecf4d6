// Comments and docs cite the repository's own pages (README.md, docs/), never the numbered
// sections or files of documents that are not in it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/app.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mjs|md)$/.test(name) ? [path] : [];
  });
}

// Built so that this file does not match itself.
const OUTSIDE = [
  // A section number; the version of Ruby Procodile the benchmark runs is not one.
  new RegExp([String.raw`(?<!Ruby )Procodile`, String.raw` \d+\.\d+`].join('')),
  new RegExp(['DECISIONS', String.raw`\.md`].join('')),
  new RegExp(['spec/', 'procodile'].join('')),
];

describe('citations', () => {
  it('no source, test or doc cites a section or file of a document outside the repository', () => {
    const found: string[] = [];
    for (const file of ['src', 'test', 'scripts', 'docs'].flatMap((dir) => sources(join(REPO_ROOT, dir))).concat(join(REPO_ROOT, 'README.md'))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (OUTSIDE.some((pattern) => pattern.test(line))) found.push(`${relative(REPO_ROOT, file)}:${index + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(found, []);
  });
});
