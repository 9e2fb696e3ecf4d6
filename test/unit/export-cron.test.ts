// Cron schedules for export: the OnCalendar spelling of each kind of field, checked as text and
// against systemd's own calendar: the next runs systemd computes must be the ones the
// scheduler (croner) computes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { Cron } from 'croner';
import { hasSeconds, parseCron, toNomadCron, toOnCalendar } from '../../src/export/cron.js';

const TABLE: Array<[string, string[]]> = [
  ['*/15 * * * *', ['*-*-* *:00/15:00']],
  ['0 9 * * MON-FRI', ['Mon..Fri *-*-* 09:00:00']],
  ['30 8 1 JAN,JUL *', ['*-01,07-01 08:30:00']],
  ['5-10 * * * *', ['*-*-* *:05..10:00']],
  ['10-30/5 2 * * *', ['*-*-* 02:10,15,20,25,30:00']],
  ['0 0 * * 0', ['Sun *-*-* 00:00:00']],
  ['0 0 * * 7', ['Sun *-*-* 00:00:00']],
  ['0 0 * * SAT,SUN', ['Sat,Sun *-*-* 00:00:00']],
  ['0 12 1,15 * FRI', ['*-*-01,15 12:00:00', 'Fri *-*-* 12:00:00']],
  ['0 0 */2 * *', ['*-*-01/2 00:00:00']],
  ['0 */6 * */3 *', ['*-01/3-* 00/6:00:00']],
  ['15,45 * * * * *', ['*-*-* *:*:15,45']],
  ['*/10 5 * * * *', ['*-*-* *:05:00/10']],
  ['0 0 0 * * ?', ['*-*-* 00:00:00']],
  ['@daily', ['*-*-* 00:00:00']],
];

describe('cron to OnCalendar', () => {
  for (const [cron, expected] of TABLE) {
    it(`${cron} -> ${expected.join(' | ')}`, () => {
      assert.deepEqual(toOnCalendar(parseCron(cron)), expected);
    });
  }

  it('refuses what it cannot translate, naming the field', () => {
    assert.throws(() => parseCron('0 0 L * *'), /day of month/);
    assert.throws(() => parseCron('0 0 * * *  * *'), /7 fields/);
    assert.throws(() => parseCron('61 * * * *'), /minute field/);
    assert.throws(() => parseCron('5-1 * * * *'), /backwards/);
  });
});

function systemdNextRuns(calendars: string[], base: Date, count: number): number[] {
  const runs: number[] = [];
  for (const calendar of calendars) {
    const result = spawnSync(
      'systemd-analyze',
      ['calendar', `--iterations=${count}`, `--base-time=@${Math.floor(base.getTime() / 1000)}`, calendar],
      { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } },
    );
    assert.equal(result.status, 0, `systemd-analyze calendar '${calendar}' failed (is the systemd package installed?): ${result.stderr}`);
    for (const match of result.stdout.matchAll(/(?:Next elapse|Iter\. #\d+):\s+\w+ (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC/g)) {
      runs.push(Date.parse(`${match[1] ?? ''}Z`.replace(' ', 'T')));
    }
  }
  return [...new Set(runs)].sort((a, b) => a - b).slice(0, count);
}

function cronerNextRuns(cron: string, base: Date, count: number): number[] {
  const job = new Cron(cron, { mode: '5-or-6-parts', paused: true, timezone: 'UTC' });
  return job.nextRuns(count, base).map((date) => date.getTime());
}

describe('OnCalendar runs when the scheduler would', () => {
  const base = new Date(Date.UTC(2026, 0, 30, 23, 59, 58));
  for (const [cron] of TABLE.filter(([cron]) => !cron.startsWith('@'))) {
    it(cron, () => {
      const count = 6;
      assert.deepEqual(systemdNextRuns(toOnCalendar(parseCron(cron)), base, count), cronerNextRuns(cron, base, count));
    });
  }
});

describe('cron for other engines', () => {
  it('keeps a five-field schedule as written for Kubernetes and Nomad', () => {
    const schedule = parseCron('*/15 * * * MON');
    assert.equal(schedule.fiveFields, '*/15 * * * MON');
    assert.equal(toNomadCron(schedule), '*/15 * * * MON');
    assert.equal(hasSeconds(schedule), false);
  });

  it('gives Nomad seven fields for a six-field schedule, seconds first and a year last', () => {
    const schedule = parseCron('30 */5 * * * *');
    assert.equal(schedule.fiveFields, '*/5 * * * *');
    assert.equal(toNomadCron(schedule), '30 */5 * * * * *');
    assert.equal(hasSeconds(schedule), true);
  });

  it('does not count a seconds field of 0 as seconds', () => {
    assert.equal(hasSeconds(parseCron('0 */5 * * * *')), false);
  });
});
