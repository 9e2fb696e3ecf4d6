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
// V8 refuses a cache made under other flags, and the daemon runs with its own
// (daemonize.ts): each set of flags gets its own cache file.
const flags = process.execArgv.join(' ');
let hash = 5381;
for (let i = 0; i < flags.length; i += 1) hash = ((hash * 33) ^ flags.charCodeAt(i)) >>> 0;
const cacheFile = `${bundle}.${process.version}${flags === '' ? '' : `.${hash.toString(36)}`}.v8cache`;
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
cachedData = undefined;
if (script.cachedDataRejected !== false) {
  // Written on exit, so the functions this command compiled are in the cache too. The cache
  // is only an optimisation: in a read-only or root-owned install (npm i -g as root, run as
  // another user) it is skipped before any serialising is paid for, and nothing is reported.
  process.once('exit', () => {
    const temporary = `${cacheFile}.${process.pid}`;
    let fd;
    try {
      fd = fs.openSync(temporary, 'wx', 0o644);
    } catch {
      return;
    }
    try {
      try {
        fs.writeSync(fd, script.createCachedData());
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temporary, cacheFile);
    } catch {
      try {
        fs.rmSync(temporary, { force: true });
      } catch {
        // Nothing more to undo; the command's own outcome is what matters.
      }
    }
  });
}
script.runInThisContext().call(module.exports, module.exports, require, module, bundle, __dirname);
