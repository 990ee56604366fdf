/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), the subset both
 * people and Temporal read the same way: `*`, numbers, ranges `a-b`, steps `* /n`, `a-b/n`,
 * `a/n`, lists, and month and weekday names. Checked here so a bad one is a 400 naming the
 * field, not a Temporal error after the row was saved. As in Temporal (and unlike classic
 * cron), a day must match both day of month and day of week when both are set: `0 3 1-7 * mon`
 * is the first Monday of the month.
 */
interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // 7 is Sunday too, as in most crons.
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS },
];

function value(text: string, field: CronField): number | undefined {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) return undefined;
  return field === FIELDS[3] ? index + 1 : index;
}

function itemProblem(item: string, field: CronField): string | undefined {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined) return `'${item}' has more than one '/'`;
  if (step !== undefined && !/^[1-9]\d{0,1}$/.test(step)) return `step in '${item}' must be a number from 1 to 99`;
  if (range === '*') return undefined;
  const [startText, endText, more] = range.split('-');
  if (more !== undefined) return `'${item}' is not a range`;
  const start = value(startText, field);
  if (start === undefined || start < field.min || start > field.max) {
    return `'${startText}' is not a valid ${field.name} (${field.min}-${field.max}${field.names ? ' or a name' : ''})`;
  }
  if (endText === undefined) return undefined;
  const end = value(endText, field);
  if (end === undefined || end < field.min || end > field.max) {
    return `'${endText}' is not a valid ${field.name} (${field.min}-${field.max}${field.names ? ' or a name' : ''})`;
  }
  if (end < start) return `range '${range}' runs backwards`;
  return undefined;
}

/** What is wrong with a cron expression, or undefined when it is fine. */
export function cronProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return `must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  }
  for (const [i, part] of parts.entries()) {
    for (const item of part.split(',')) {
      if (item === '') return `the ${FIELDS[i].name} field has an empty list item`;
      const problem = itemProblem(item, FIELDS[i]);
      if (problem) return `${FIELDS[i].name}: ${problem}`;
    }
  }
  return undefined;
}

/**
 * An IANA time zone the runtime knows, spelled as Temporal's case-sensitive (Go) lookup needs
 * it, or undefined. Node reads `europe/berlin` as Europe/Berlin: a name that differs from the
 * zone's canonical one only in case, or has a segment without its capital, is replaced by the
 * canonical name. A well-spelled alias (America/Argentina/Buenos_Aires) stays as typed.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return undefined;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  if (name.toLowerCase() === canonical.toLowerCase()) return canonical;
  return name.split('/').every((segment) => /^[A-Z]/.test(segment)) ? name : canonical;
}
