// Fails (exit 1) when an import cycle exists under src/, or when a module imports one of a
// higher layer. Part of `npm run lint`. The layers, highest first, are documented in
// docs/architecture.md; a folder not listed here is an error, so a new folder gets a place
// on purpose.
//
// Usage: node scripts/check-layers.mjs [SRC_DIR]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Highest first. A module may import its own layer or any lower one, never a higher one. */
export const LAYERS = [
  ['cli'],
  ['export'],
  ['daemon'],
  ['control'],
  ['supervisor'],
  ['proxy'],
  ['logging'],
  ['runtime'],
  ['config'],
  ['proc'],
  // Files directly under src/ (errors.ts, version.ts): the vocabulary everything shares.
  ['.'],
];

function rankOf(folder) {
  const rank = LAYERS.findIndex((names) => names.includes(folder));
  return rank === -1 ? undefined : rank;
}

function listSources(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...listSources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** The top folder of a source file under src ('.' for files directly in it). */
function folderOf(srcDir, file) {
  const parts = relative(srcDir, file).split(sep);
  return parts.length === 1 ? '.' : parts[0];
}

/** Relative imports (type-only ones too: they tie the layers just the same), resolved to .ts files. */
function importsOf(file) {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')));
}

export function checkLayers(srcDir) {
  const problems = [];
  const graph = new Map();
  for (const file of listSources(srcDir)) graph.set(file, importsOf(file));
  for (const [file, imports] of graph) {
    const from = folderOf(srcDir, file);
    const fromRank = rankOf(from);
    if (fromRank === undefined) {
      problems.push(`${relative(srcDir, file)}: folder '${from}' has no layer; add it to LAYERS in scripts/check-layers.mjs and to docs/architecture.md`);
      continue;
    }
    for (const target of imports) {
      const to = folderOf(srcDir, target);
      const toRank = rankOf(to);
      if (toRank !== undefined && toRank < fromRank) {
        problems.push(`${relative(srcDir, file)} imports ${relative(srcDir, target)}: '${from}' is below '${to}' and must not import it`);
      }
    }
  }
  for (const cycle of findCycles(graph)) {
    problems.push(`import cycle: ${cycle.map((f) => relative(srcDir, f)).join(' -> ')}`);
  }
  return problems;
}

/** Every strongly connected component of more than one module (or a self-import), as a path. */
function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const cycles = [];
  let next = 0;
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node), low.get(target)));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node), index.get(target)));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(shortestCycle(graph, node, new Set(component)));
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/**
 * A real chain of imports from `start` back to itself inside its component (the component
 * alone lists modules, not who imports whom): the shortest, found breadth first.
 */
function shortestCycle(graph, start, component) {
  const cameFrom = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const target of graph.get(node) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const srcDir = resolve(process.argv[2] ?? new URL('../src', import.meta.url).pathname);
  const problems = checkLayers(srcDir);
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  if (problems.length > 0) {
    process.stderr.write(`\n${problems.length} layering problem(s). The layers are described in docs/architecture.md.\n`);
    process.exitCode = 1;
  }
}
