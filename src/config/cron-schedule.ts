// Checks a cron schedule when the configuration is read, so that `check`, `start` and `reload`
// refuse a schedule the scheduler could never run (README "Scheduled processes"). The
// scheduler uses croner in the same mode; croner alone is too lenient (it takes Quartz
// extensions such as `L`, `W`, `#` and `?`, and patterns that never fire), so every field is
// first held to the classic grammar: `*`, `N`, `A-B`, each with an optional `/STEP`, in comma
// lists, with month and weekday names.
import { Cron } from 'croner';
import { quoted } from './process-name.js';

export const CRON_MODE = '5-or-6-parts' as const;

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  name: string;
  min: number;
  max: number;
  /** Names accepted for the values min, min+1, ... */
  names?: readonly string[];
}

const SECOND: Field = { name: 'second', min: 0, max: 59 };
const FIVE_FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // 7 is Sunday too.
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

export const CRON_HINT =
  'Use 5 space-separated fields (minute hour day-of-month month day-of-week), optionally preceded by a ' +
  `seconds field, e.g. "*/5 * * * *" or "0 3 * * mon-fri", or one of ${MACROS.join(', ')}`;

/** Why `schedule` is not a schedule procodile can run, or undefined when it is. */
export function cronScheduleProblem(schedule: string, now: Date = new Date()): string | undefined {
  const text = schedule.trim();
  if (text.startsWith('@')) {
    if (!MACROS.includes(text.toLowerCase())) return `${quoted(text)} is not a known shortcut`;
  } else {
    const parts = text.split(/\s+/);
    if (parts.length !== 5 && parts.length !== 6) {
      return `it has ${parts.length} field${parts.length === 1 ? '' : 's'}, not 5 or 6`;
    }
    const fields = parts.length === 6 ? [SECOND, ...FIVE_FIELDS] : FIVE_FIELDS;
    for (const [index, part] of parts.entries()) {
      const field = fields[index];
      const problem = field === undefined ? 'unexpected field' : fieldProblem(part, field);
      if (problem !== undefined) return problem;
    }
  }
  let cron: Cron;
  try {
    cron = new Cron(text, { mode: CRON_MODE, paused: true });
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
  if (cron.nextRun(now) === null) return 'it never fires (no date matches it)';
  return undefined;
}

function fieldProblem(part: string, field: Field): string | undefined {
  for (const item of part.split(',')) {
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) return `${quoted(item)} is not valid in the ${field.name} field`;
    const [, range = '', step] = match;
    if (step !== undefined && (Number(step) < 1 || Number(step) > field.max)) {
      return `the step in '${item}' must be from 1 to ${field.max} in the ${field.name} field`;
    }
    if (range === '*') continue;
    const bounds = range.split('-').map((value) => fieldValue(value, field));
    if (bounds.some((value) => value === undefined)) {
      return `'${item}' is out of range in the ${field.name} field (${describeRange(field)})`;
    }
    const [from = 0, to = from] = bounds as number[];
    if (from > to) return `the range '${range}' goes backwards in the ${field.name} field`;
  }
  return undefined;
}

function fieldValue(value: string, field: Field): number | undefined {
  if (/^\d+$/.test(value)) {
    const number = Number(value);
    return number >= field.min && number <= field.max ? number : undefined;
  }
  const index = field.names?.indexOf(value.toLowerCase()) ?? -1;
  return index === -1 ? undefined : field.min + index;
}

function describeRange(field: Field): string {
  const names = field.names ? ` or ${field.names[0] ?? ''}-${field.names.at(-1) ?? ''}` : '';
  return `${field.min}-${field.max}${names}`;
}
