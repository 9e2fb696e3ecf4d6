// The deploy keys of the options files: ready:, depends_on (missing names and cycles are
// errors that name them), and the $PORT warning of `check`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dependencyLevels, dependencyProblem } from '../../src/config/dependencies.js';
import { parseOptions } from '../../src/config/options.js';
import { portWarnings } from '../../src/config/port-warnings.js';
import { appConfig } from '../helpers/fake-supervisor.js';
import { definition } from '../helpers/fixtures.js';

describe('ready:', () => {
  it('reads each form of check', () => {
    const parsed = parseOptions(
      'processes:\n  a:\n    ready: tcp\n  b:\n    ready:\n      http: /up\n  c:\n    ready:\n      command: bin/ready\n  d:\n    ready:\n      log: "Listening on \\\\d+"\n    ready_timeout: 5\n',
      'Procfile.options',
    );
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
    const p = parsed.value.options.processes;
    assert.deepEqual([p.a?.ready, p.b?.ready, p.c?.ready, p.d?.ready], [
      { kind: 'tcp' },
      { kind: 'http', path: '/up' },
      { kind: 'command', command: 'bin/ready' },
      { kind: 'log', pattern: 'Listening on \\d+' },
    ]);
    assert.equal(p.d?.readyTimeout, 5);
  });

  it('reads ready: notify (the sd_notify protocol), and only as a bare word', () => {
    const parsed = parseOptions('processes:\n  a:\n    ready: notify\n    ready_timeout: 3\n', 'Procfile.options');
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
    assert.deepEqual(parsed.value.options.processes.a?.ready, { kind: 'notify' });
    assert.equal(parsed.value.options.processes.a?.readyTimeout, 3);
    for (const yaml of ['ready: Notify', 'ready:\n      notify: /run/x.sock']) {
      const refused = parseOptions(`processes:\n  web:\n    ${yaml}\n`, 'Procfile.options');
      assert.equal(refused.ok, false, yaml);
      if (!refused.ok) assert.match(refused.error.message, /processes\.web\.ready must be tcp, notify, or one of/);
    }
  });

  it('refuses an unknown check, a path without a slash and a broken regular expression, naming the key', () => {
    for (const [yaml, message] of [
      ['ready: udp', /processes\.web\.ready must be tcp, notify, or one of http: \/PATH, command: CMD, log: REGEX/],
      ['ready:\n      http: health', /processes\.web\.ready/],
      ['ready:\n      log: "(unclosed"', /processes\.web\.ready/],
    ] as const) {
      const parsed = parseOptions(`processes:\n  web:\n    ${yaml}\n`, 'Procfile.options');
      assert.equal(parsed.ok, false, yaml);
      if (!parsed.ok) assert.match(parsed.error.message, message);
    }
  });
});

describe('depends_on', () => {
  it('names a cycle, and a name that is not in the Procfile', () => {
    const cycle = [definition({ name: 'web', dependsOn: ['db'] }), definition({ name: 'db', dependsOn: ['web'] })];
    assert.match(dependencyProblem(cycle, 'Procfile.options') ?? '', /depends_on makes a cycle: web -> db -> web/);
    const missing = [definition({ name: 'web', dependsOn: ['dbb'] }), definition({ name: 'db' })];
    assert.match(dependencyProblem(missing, 'Procfile.options') ?? '', /processes\.web\.depends_on names 'dbb', which is not in the Procfile/);
    assert.equal(dependencyProblem([definition({ name: 'web', dependsOn: ['db'] }), definition({ name: 'db' })], 'x'), undefined);
  });

  it('orders processes in levels, dependencies first', () => {
    const entries = [
      { definition: definition({ name: 'web', dependsOn: ['api'] }) },
      { definition: definition({ name: 'api', dependsOn: ['db'] }) },
      { definition: definition({ name: 'db' }) },
      { definition: definition({ name: 'worker' }) },
    ];
    assert.deepEqual(
      dependencyLevels(entries).map((level) => level.map((e) => e.definition.name)),
      [['db', 'worker'], ['api'], ['web']],
    );
  });
});

describe('check: $PORT without a port', () => {
  it('warns about a command that uses $PORT and gets none', () => {
    const app = appConfig('/tmp/x', [
      definition({ name: 'web', command: 'bundle exec puma -p $PORT' }),
      definition({ name: 'api', command: 'node api.js --port ${PORT}', allocatePortFrom: 5000 }),
      definition({ name: 'worker', command: 'sidekiq' }),
      definition({ name: 'edge', command: 'edge --port $PORT', proxyPort: 8080 }),
    ]);
    const warnings = portWarnings(app);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /processes\.web uses \$PORT but gets none: set allocate_port_from/);
    assert.match(warnings[1] ?? '', /processes\.edge uses \$PORT, which it gets only while the proxy runs: set proxy: true/);
    assert.deepEqual(portWarnings({ ...app, proxy: true }).length, 1);
  });
});
