// The daemon's Node flags: lite mode saves memory, except where the proxy needs the speed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { daemonNodeFlags } from '../../src/daemon/daemonize.js';
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
});
