// The layer check that `npm run lint` runs: it passes on our own sources, and fails on a
// module that imports a higher layer, on an import cycle, and on a folder with no layer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/app.js';
import { tempTree } from '../helpers/temp-tree.js';

const SCRIPT = join(REPO_ROOT, 'scripts', 'check-layers.mjs');
const tree = (files: Record<string, string>): string => tempTree(files, '/tmp/pc-layers-');

function check(dir?: string): { code: number | null; stderr: string } {
  const run = spawnSync(process.execPath, dir === undefined ? [SCRIPT] : [SCRIPT, dir], { encoding: 'utf8' });
  return { code: run.status, stderr: run.stderr };
}

describe('layer check', () => {
  it('passes on the repository', () => {
    const run = check();
    assert.equal(run.code, 0, run.stderr);
  });

  it('fails on a lower layer importing a higher one, type-only imports included', () => {
    const dir = tree({
      'cli/main.ts': "import { x } from '../supervisor/a.js';\nexport const y = x;\n",
      'supervisor/a.ts': "import type { Reply } from '../control/protocol.js';\nexport const x: Reply | 1 = 1;\n",
      'control/protocol.ts': 'export type Reply = string;\n',
    });
    const run = check(dir);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /supervisor\/a\.ts imports control\/protocol\.ts: 'supervisor' is below 'control'/);
    assert.doesNotMatch(run.stderr, /cli\/main\.ts/, 'importing downwards is fine');
  });

  it('fails on an import cycle, naming its modules', () => {
    const dir = tree({
      'supervisor/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'supervisor/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    const run = check(dir);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /import cycle: supervisor\/(a|b)\.ts -> supervisor\/(a|b)\.ts -> supervisor\/(a|b)\.ts/);
  });

  it('names a cycle as a chain of real imports, even in a tangle of several modules', () => {
    // b and c import each other, and a and b: one component, but c does not import a.
    const imports: Record<string, string[]> = { a: ['b'], b: ['a', 'c'], c: ['b'] };
    const dir = tree(
      Object.fromEntries(
        Object.entries(imports).map(([name, targets]) => [
          `supervisor/${name}.ts`,
          `${targets.map((target) => `import { ${target} } from './${target}.js';`).join('\n')}\nexport const ${name} = () => [${targets.join(', ')}];\n`,
        ]),
      ),
    );
    const run = check(dir);
    assert.equal(run.code, 1);
    const line = /import cycle: (.*)/.exec(run.stderr)?.[1] ?? '';
    const chain = line.split(' -> ').map((file) => /supervisor\/(\w+)\.ts/.exec(file)?.[1] ?? file);
    assert.ok(chain.length >= 3 && chain[0] === chain.at(-1), line);
    for (let index = 0; index + 1 < chain.length; index++) {
      const [from, to] = [chain[index] ?? '', chain[index + 1] ?? ''];
      assert.ok(imports[from]?.includes(to), `${from} does not import ${to}, yet the message says so: ${line}`);
    }
  });

  it('fails on a folder that has no place among the layers', () => {
    const run = check(tree({ 'misc/thing.ts': 'export const t = 1;\n' }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /folder 'misc' has no layer/);
  });
});
