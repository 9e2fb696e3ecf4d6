#!/usr/bin/env -S node --
'use strict';
// procodile's entry point: runs the bundled CLI through a V8 code cache kept beside it, which
// saves about 20 ms of compiling per command (bench/README.md). A missing, stale or corrupt
// cache is simply rebuilt; an unwritable directory just means no cache.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { wrap } = require('node:module');

const bundle = path.join(__dirname, 'procodile-main.cjs');
const cacheFile = `${bundle}.${process.version}.v8cache`;
// V8 refuses a cache made under other flags; the daemon runs with its own (daemonize.ts), so it
// neither reads nor writes the one the CLI uses.
const useCache = process.execArgv.length === 0;
let cachedData;
try {
  cachedData = useCache ? fs.readFileSync(cacheFile) : undefined;
} catch {
  cachedData = undefined;
}
const script = new vm.Script(wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
cachedData = undefined;
if (useCache && (script.cachedDataRejected !== false)) {
  // Written on exit, so the functions this command compiled are in the cache too.
  process.once('exit', () => {
    const temporary = `${cacheFile}.${process.pid}`;
    try {
      fs.writeFileSync(temporary, script.createCachedData());
      fs.renameSync(temporary, cacheFile);
    } catch {
      fs.rmSync(temporary, { force: true });
    }
  });
}
script.runInThisContext().call(module.exports, module.exports, require, module, bundle, __dirname);
