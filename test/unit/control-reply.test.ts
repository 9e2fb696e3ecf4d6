// Replies are checked and made printable before the CLI uses them; secrets never reach them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkReply, printable, printableJson, printableReply } from '../../src/control/reply.js';
import { maskedEnv } from '../../src/control/status-reply.js';

describe('reply checks', () => {
  it('rejects replies of the wrong shape, naming where', () => {
    assert.deepEqual(checkReply('stop', []), { ok: false, problem: `'stopped_instances': Invalid key: Expected "stopped_instances" but received undefined` });
    const wrong = checkReply('stop', { stopped_instances: [{ description: 1 }] });
    assert.equal(wrong.ok, false);
    if (!wrong.ok) assert.match(wrong.problem, /'stopped_instances\.0\.description'/);
    assert.equal(checkReply('reload_config', { ok: true }).ok, true);
  });

  it('shows control characters instead of sending them to the terminal', () => {
    assert.equal(printable('a\u001b]0;x\u0007b\u009b\r'), 'a\\x1b]0;x\\x07b\\x9b\\x0d');
    const reply = printableReply({ ['k\u001b']: ['v\u0007'], __proto__x: 1 });
    assert.deepEqual(Object.keys(reply), ['k\\x1b', '__proto__x']);
    assert.equal(printableJson(JSON.stringify({ a: '\u009b\u007f' })), '{"a":"\\u009b\\u007f"}');
  });
});

describe('maskedEnv', () => {
  it('masks secret-looking names, listed names and URL passwords only', () => {
    assert.deepEqual(
      maskedEnv(
        {
          API_KEY: 'a',
          aws_secret_access_key: 'b',
          SENTRY_DSN: 'c',
          BASIC_AUTH: 'd',
          MONKEY: 'e',
          AUTHOR: 'f',
          REDIS_URL: 'redis://:pw@h:6379',
          PLAIN_URL: 'https://example.com/a:b@c',
          MINE: 'g',
        },
        ['MINE'],
      ),
      {
        API_KEY: '********',
        aws_secret_access_key: '********',
        SENTRY_DSN: '********',
        BASIC_AUTH: '********',
        MONKEY: 'e',
        AUTHOR: 'f',
        REDIS_URL: 'redis://:********@h:6379',
        PLAIN_URL: 'https://example.com/a:b@c',
        MINE: '********',
      },
    );
  });
});
