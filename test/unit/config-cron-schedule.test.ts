// Tests for the cron schedule check done when the configuration is read (README "Scheduled
// processes"): what the scheduler can run passes, everything else is refused with a reason.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cronScheduleProblem } from '../../src/config/cron-schedule.js';

const NOW = new Date('2026-01-15T12:00:00Z');

describe('cronScheduleProblem', () => {
  for (const schedule of [
    '* * * * *',
    '*/5 * * * *',
    '0 3 * * *',
    '  0  3 * * *  ',
    '0,30 8-18/2 * * mon-fri',
    '0 0 1 jan,jul *',
    '0 0 * * 7',
    '0 0 * * SUN',
    '*/10 * * * * *',
    '0 0 29 2 *',
    '0 0 31 4 1',
    '@hourly',
    '@daily',
    '@midnight',
    '@weekly',
    '@monthly',
    '@yearly',
    '@annually',
    '@Daily',
  ]) {
    it(`accepts ${JSON.stringify(schedule)}`, () => {
      assert.equal(cronScheduleProblem(schedule, NOW), undefined);
    });
  }

  for (const [schedule, reason] of [
    ['61 * * * *', /'61' is out of range in the minute field \(0-59\)/],
    ['every 5 minutes', /3 fields, not 5 or 6/],
    ['* * * *', /4 fields, not 5 or 6/],
    ['* * * * * * *', /7 fields, not 5 or 6/],
    ['0 0 31 2 *', /never fires/],
    ['0 0 30 2 *', /never fires/],
    ['@reboot', /'@reboot' is not a known shortcut/],
    ['@every 5m', /not a known shortcut/],
    ['0 0 L * *', /'L' is out of range in the day of month field/],
    ['0 0 * * 5#2', /'5#2' is not valid in the day of week field/],
    ['0 0 15W * *', /'15W' is out of range/],
    ['0 0 ? * *', /'\?' is not valid/],
    ['*/0 * * * *', /step in '\*\/0' must be from 1 to 59/],
    ['0 24 * * *', /hour field \(0-23\)/],
    ['0 0 0 * *', /'0' is out of range in the day of month field \(1-31\)/],
    ['0 0 * 13 *', /month field \(1-12 or jan-dec\)/],
    ['0 0 * * 8', /day of week field \(0-7 or sun-sat\)/],
    ['60 * * * * *', /second field/],
    ['5-1 * * * *', /the range '5-1' goes backwards/],
    ['5- * * * *', /'5-' is not valid/],
    ['*/5/2 * * * *', /not valid/],
    ['*/2 * * * **', /'\*\*' is not valid in the day of week field/],
    ['0 0 * * \u001b[31m', /"\\u001b\[31m" is not valid/],
  ] as const) {
    it(`refuses ${JSON.stringify(schedule)}`, () => {
      const problem = cronScheduleProblem(schedule, NOW);
      assert.ok(problem !== undefined, 'expected a problem');
      assert.match(problem, reason);
    });
  }
});
