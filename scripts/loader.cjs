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
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
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
