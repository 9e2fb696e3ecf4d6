// The daemon's Node flags: lite mode saves memory, except where the proxy needs the speed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daemonNodeFlags, EARLY_DAEMON_FLAGS, proxyRequested } from '../../src/daemon/daemonize.js';
import { writeRecord } from '../../src/runtime/adoption-record.js';
import { REPO_ROOT } from '../helpers/app.js';
import { definition } from '../helpers/fixtures.js';

const proxied = [definition({ name: 'web', proxyPort: 5000 }), definition({ name: 'worker' })];
const unproxied = [definition({ name: 'worker' })];

describe('daemon node flags', () => {
  it('keeps lite mode when no proxy listener will run', () => {
    assert.ok(daemonNodeFlags({ processes: unproxied }, false).includes('--lite-mode'));
    assert.ok(daemonNodeFlags({ processes: proxied }, false).includes('--lite-mode'), 'proxy_port without the proxy on');
    assert.ok(daemonNodeFlags({ processes: unproxied, proxy: true }, true).includes('--lite-mode'), 'proxy on without any proxy_port');
  });

  it('drops lite mode when the proxy is on, by --proxy or by the options file, and a process has a proxy_port', () => {
    for (const flags of [daemonNodeFlags({ processes: proxied }, true), daemonNodeFlags({ processes: proxied, proxy: true }, false)]) {
      assert.ok(!flags.includes('--lite-mode'), flags.join(' '));
      assert.ok(flags.includes('--max-semi-space-size=1'), 'the small young generation stays');
    }
  });

  it('launches the early supervisor of scripts/launcher.sh with the flags a supervisor without a proxy gets', () => {
    const launcher = readFileSync(join(REPO_ROOT, 'scripts', 'launcher.sh'), 'utf8');
    const line = launcher.split('\n').find((l) => l.includes('setsid node'));
    assert.ok(line !== undefined, 'the launcher starts the early supervisor with setsid node');
    const flags = /setsid node (.*?) -- /.exec(line)?.[1]?.split(' ');
    assert.deepEqual(flags, [...EARLY_DAEMON_FLAGS]);
    assert.deepEqual(daemonNodeFlags({ processes: unproxied }, false), [...EARLY_DAEMON_FLAGS]);
  });

  it('counts a proxy the previous supervisor had as requested, unless --no-proxy says otherwise', () => {
    const pidRoot = mkdtempSync(join(tmpdir(), 'pf-'));
    try {
      const none = { proxy: false, noProxy: false };
      assert.equal(proxyRequested(none, pidRoot), false, 'no record');
      assert.equal(proxyRequested({ proxy: true, noProxy: false }, pidRoot), true);
      writeRecord(pidRoot, { instances: [], stoppingGroups: [], run: { proxy: true } });
      assert.equal(proxyRequested(none, pidRoot), true, 'the record says the proxy was on');
      assert.equal(proxyRequested({ proxy: false, noProxy: true }, pidRoot), false);
      writeRecord(pidRoot, { instances: [], stoppingGroups: [], run: { proxy: false } });
      assert.equal(proxyRequested(none, pidRoot), false);
    } finally {
      rmSync(pidRoot, { recursive: true, force: true });
    }
  });
});
