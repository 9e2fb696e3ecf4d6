// Unit tests for D9: the launcher's variables never reach processes procodile starts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stripLauncherVariables } from '../../src/proc/env-hygiene.js';

const GYP = '/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin';

describe('stripLauncherVariables', () => {
  it('removes the daemon marker', () => {
    assert.deepEqual(stripLauncherVariables({ PROCODILE_DAEMON_CHILD: '1', HOME: '/home/a' }), { HOME: '/home/a' });
  });

  it('removes npm_* and npm_config_* variables, INIT_CWD and npm’s NODE', () => {
    const env = {
      npm_config_registry: 'https://registry.npmjs.org/',
      npm_lifecycle_event: 'start',
      npm_package_name: 'app',
      npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
      INIT_CWD: '/srv/app',
      NODE: '/usr/bin/node',
      RAILS_ENV: 'production',
    };
    assert.deepEqual(stripLauncherVariables(env), { RAILS_ENV: 'production' });
  });

  it('removes the pids the launcher passes between a start and its early supervisor', () => {
    assert.deepEqual(stripLauncherVariables({ PROCODILE_EARLY_DAEMON: '12', PROCODILE_EARLY_PARENT: '11', HOME: '/home/a' }), { HOME: '/home/a' });
  });

  it('removes NOTIFY_SOCKET, which belongs to the supervisor’s own systemd unit', () => {
    assert.deepEqual(stripLauncherVariables({ NOTIFY_SOCKET: '/run/systemd/notify', HOME: '/home/a' }), { HOME: '/home/a' });
  });

  it('keeps NODE when npm did not launch us', () => {
    assert.deepEqual(stripLauncherVariables({ NODE: '/opt/node/bin/node' }), { NODE: '/opt/node/bin/node' });
  });

  it('keeps upper-case NPM_CONFIG_* (the user’s own setting) and look-alikes', () => {
    const env = { NPM_CONFIG_REGISTRY: 'https://r.example', MY_npm_thing: 'x', npmrc: 'y' };
    assert.deepEqual(stripLauncherVariables(env), env);
  });

  it('removes the PATH entries npm and npx add, keeping the rest in order', () => {
    const env = {
      npm_command: 'exec',
      PATH: [
        '/srv/app/node_modules/.bin',
        '/srv/node_modules/.bin',
        '/node_modules/.bin',
        '/home/a/.npm/_npx/1a2b/node_modules/.bin',
        GYP,
        '/usr/local/bin',
        '/usr/bin',
        '',
        '/bin',
      ].join(':'),
    };
    assert.deepEqual(stripLauncherVariables(env), { PATH: '/usr/local/bin:/usr/bin::/bin' });
  });

  it('keeps node_modules/.bin entries a user put on PATH when npm is not involved', () => {
    const env = { PATH: `/srv/app/node_modules/.bin:${GYP}:/usr/bin` };
    assert.deepEqual(stripLauncherVariables(env), { PATH: '/srv/app/node_modules/.bin:/usr/bin' });
  });

  it('leaves similar-looking directories alone', () => {
    const env = { npm_command: 'run', PATH: '/opt/node_modules/.bin-extra:/opt/my.bin:/usr/bin' };
    assert.deepEqual(stripLauncherVariables(env), { PATH: '/opt/node_modules/.bin-extra:/opt/my.bin:/usr/bin' });
  });

  it('drops undefined values and does not modify its input', () => {
    const env: NodeJS.ProcessEnv = { A: 'a', B: undefined, npm_x: '1' };
    const copy = { ...env };
    assert.deepEqual(stripLauncherVariables(env), { A: 'a' });
    assert.deepEqual(env, copy);
  });
});
