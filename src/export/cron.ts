// Cron schedules as the scheduler reads them (5 fields, or 6 with seconds first), taken apart
// into the sets of values each field matches, so every engine gets its own spelling: systemd's
// OnCalendar, Kubernetes' five fields, Nomad's cron with seconds first and a year last.

export interface CronSchedule {
  /** The expression as written, trimmed. */
  source: string;
  /** The five minute-to-weekday fields as written (nicknames such as @daily expanded). */
  fiveFields: string;
  /** The seconds field as written, when the expression has six fields. */
  secondsField?: string;
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 is Sunday; a 7 in the expression is read as 0. */
  weekdays: number[];
  /** Cron runs a job when either day field matches if both are restricted, not when both do. */
  daysOfMonthRestricted: boolean;
  weekdaysRestricted: boolean;
}

interface FieldSpec {
  what: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const SECOND: FieldSpec = { what: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { what: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { what: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { what: 'day of month', min: 1, max: 31 };
const MONTH: FieldSpec = { what: 'month', min: 1, max: 12, names: MONTH_NAMES };
const WEEKDAY: FieldSpec = { what: 'day of week', min: 0, max: 7, names: WEEKDAY_NAMES };

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export class CronError extends Error {}

/** Reads a schedule; throws CronError naming the part that cannot be read. */
export function parseCron(expression: string): CronSchedule {
  const source = expression.trim();
  const expanded = NICKNAMES[source.toLowerCase()] ?? source;
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new CronError(`'${source}' has ${fields.length} fields; a schedule has 5 (minute to day of week) or 6 (seconds first)`);
  }
  const secondsField = fields.length === 6 ? fields.shift() : undefined;
  const [minute, hour, dayOfMonth, month, weekday] = fields as [string, string, string, string, string];
  return {
    source,
    fiveFields: fields.join(' '),
    secondsField,
    seconds: secondsField === undefined ? [0] : parseField(secondsField, SECOND),
    minutes: parseField(minute, MINUTE),
    hours: parseField(hour, HOUR),
    daysOfMonth: parseField(dayOfMonth, DAY_OF_MONTH),
    months: parseField(month, MONTH),
    weekdays: [...new Set(parseField(weekday, WEEKDAY).map((day) => day % 7))].sort((a, b) => a - b),
    daysOfMonthRestricted: !isWildcard(dayOfMonth),
    weekdaysRestricted: !isWildcard(weekday),
  };
}

function isWildcard(field: string): boolean {
  return field === '*' || field === '?';
}

function parseField(field: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : parseNumber(stepText, spec, part);
    if (step < 1) throw new CronError(`step '${stepText ?? ''}' in the ${spec.what} field must be at least 1`);
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      low = spec.min;
      high = spec.max;
    } else if (range.includes('-')) {
      const [from = '', to = ''] = range.split('-');
      low = parseValue(from, spec, part);
      high = parseValue(to, spec, part);
    } else {
      low = parseValue(range, spec, part);
      // `5/15` means from 5 to the end of the field in steps of 15, as croner reads it.
      high = stepText === undefined ? low : spec.max;
    }
    if (low > high) throw new CronError(`range '${part}' in the ${spec.what} field runs backwards`);
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function parseValue(text: string, spec: FieldSpec, part: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + (spec.min === 1 ? 1 : 0) : parseNumber(text, spec, part);
  if (value < spec.min || value > spec.max) {
    throw new CronError(`${text} in '${part}' is outside the ${spec.what} field (${spec.min}-${spec.max})`);
  }
  return value;
}

function parseNumber(text: string, spec: FieldSpec, part: string): number {
  if (!/^\d+$/.test(text)) throw new CronError(`'${part}' in the ${spec.what} field is not something this export can translate`);
  return Number(text);
}

// systemd spells weekdays Monday first; cron counts from Sunday = 0.
const SYSTEMD_WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/**
 * OnCalendar= lines for a schedule. Two lines when both day fields are restricted, because
 * cron runs on either match and one OnCalendar expression needs both.
 */
export function toOnCalendar(schedule: CronSchedule): string[] {
  const time = [
    compress(schedule.hours, HOUR, 2),
    compress(schedule.minutes, MINUTE, 2),
    compress(schedule.seconds, SECOND, 2),
  ].join(':');
  const month = compress(schedule.months, MONTH, 2);
  const dayOfMonth = compress(schedule.daysOfMonth, DAY_OF_MONTH, 2);
  const weekdays = systemdWeekdays(schedule.weekdays);
  if (schedule.daysOfMonthRestricted && schedule.weekdaysRestricted) {
    return [`*-${month}-${dayOfMonth} ${time}`, `${weekdays} *-${month}-* ${time}`];
  }
  const date = `*-${month}-${dayOfMonth} ${time}`;
  return [schedule.weekdaysRestricted ? `${weekdays} ${date}` : date];
}

/** `*`, `start/step` (to the end of the field), `a..b`, or a list. */
function compress(values: number[], spec: FieldSpec, width: number): string {
  const pad = (value: number) => String(value).padStart(width, '0');
  const count = spec.max - spec.min + 1;
  if (values.length === count) return '*';
  const [first, second] = values;
  if (first === undefined) return '*';
  if (second === undefined) return pad(first);
  const step = second - first;
  const regular = values.every((value, index) => value === first + index * step);
  const last = values[values.length - 1] ?? first;
  if (regular && step === 1) return `${pad(first)}..${pad(last)}`;
  if (regular && values.length > 2 && last + step > spec.max) return `${pad(first)}/${step}`;
  return values.map(pad).join(',');
}

function systemdWeekdays(weekdays: number[]): string {
  const mondayFirst = weekdays.map((day) => (day + 6) % 7).sort((a, b) => a - b);
  const names = mondayFirst.map((index) => SYSTEMD_WEEKDAYS[index] ?? 'Mon');
  const first = mondayFirst[0];
  const last = mondayFirst[mondayFirst.length - 1];
  const contiguous = first !== undefined && last !== undefined && last - first + 1 === mondayFirst.length;
  return contiguous && mondayFirst.length > 2 ? `${names[0] ?? ''}..${names[names.length - 1] ?? ''}` : names.join(',');
}

/** Whether the seconds field says anything beyond "at second 0". */
export function hasSeconds(schedule: CronSchedule): boolean {
  return schedule.secondsField !== undefined && !(schedule.seconds.length === 1 && schedule.seconds[0] === 0);
}

/**
 * Nomad's cron library reads six fields as minute-first with a year last, and seven as
 * seconds first: a six-field schedule gets a year wildcard so its first field stays seconds.
 */
export function toNomadCron(schedule: CronSchedule): string {
  return schedule.secondsField === undefined ? schedule.fiveFields : `${schedule.secondsField} ${schedule.fiveFields} *`;
}
