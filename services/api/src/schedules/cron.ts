import { TIME_ZONE_NAMES } from '@sheaf/contracts';

/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), the subset both
 * people and Temporal read the same way: `*`, numbers, ranges `a-b`, steps `* /n`, `a-b/n`,
 * `a/n`, lists, and month and weekday names. Checked here so a bad one is a 400 naming the
 * field, not a Temporal error after the row was saved. As in Temporal (and unlike classic
 * cron), a day must match both day of month and day of week when both are set: `0 3 1-7 * mon`
 * is the first Monday of the month. Days of month that occur in none of the months (`30 2`) are
 * refused too: Temporal takes such a schedule and never runs it.
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

/** The values a field (checked by itemProblem) chooses; `a/n` runs from a to the field's maximum. */
function valuesOf(part: string, field: CronField): number[] {
  const values = new Set<number>();
  for (const item of part.split(',')) {
    const [range, step] = item.split('/');
    const [startText, endText] = range.split('-');
    const start = range === '*' ? field.min : value(startText, field)!;
    const end = range === '*' ? field.max : endText !== undefined ? value(endText, field)! : step !== undefined ? field.max : start;
    for (let v = start; v <= end; v += Number(step ?? 1)) values.add(v);
  }
  return [...values];
}

/** Days of each month, February's leap day included (a schedule on it runs every fourth year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Why days of month and months that never meet (`30 2`, `31 4,6,9,11`) are refused: Temporal
 * would take the schedule and never run it. The day of week cannot rescue them, since a day must
 * match both (and, over the years, every date falls on every day of the week).
 */
function neverRunsProblem(dayPart: string, monthPart: string, weekdayPart: string): string | undefined {
  const firstDay = Math.min(...valuesOf(dayPart, FIELDS[2]));
  const months = valuesOf(monthPart, FIELDS[3]);
  const longest = Math.max(...months.map((m) => MONTH_DAYS[m - 1]));
  if (firstDay <= longest) return undefined;
  const why = months.length === 1 ? `${MONTH_NAMES[months[0] - 1]} has ${longest} days${months[0] === 2 ? ' in a leap year' : ''}` : `the longest of them has ${longest} days`;
  const both = weekdayPart === '*' ? '' : '; a day must match both its day of month and its day of week';
  return `day of month: '${dayPart}' never occurs in month '${monthPart}' (${why}): the schedule would never run${both}`;
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
  return neverRunsProblem(parts[2], parts[3], parts[4]);
}

const TIME_ZONES_BY_LOWER_CASE = new Map(TIME_ZONE_NAMES.map((name) => [name.toLowerCase(), name]));

/**
 * The name as the IANA tz database spells it, or undefined for a name it lacks (TIME_ZONE_NAMES:
 * the names Temporal knows). Temporal's (Go) lookup is case-sensitive, so `europe/berlin` becomes
 * Europe/Berlin and `us/pacific` US/Pacific; a link such as Asia/Calcutta stays as it is. Node's
 * Intl is no judge: it also knows abbreviations (IST, and BST read as Bangladesh) and names the
 * database dropped (SystemV/EST5, US/Pacific-New), which Temporal refuses.
 */
export function canonicalTimeZone(name: string): string | undefined {
  return TIME_ZONES_BY_LOWER_CASE.get(name.toLowerCase());
}

/**
 * For a Region/Name that the tz database lacks but Node knows (US/Pacific-New), the database's
 * name of the zone Node reads it as (America/Los_Angeles). None for an abbreviation: IST is
 * Indian, Irish or Israel time, and Node's reading of one would be a guess (BST as Bangladesh).
 */
function suggestedTimeZone(name: string): string | undefined {
  if (!name.includes('/')) return undefined;
  try {
    return canonicalTimeZone(new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone);
  } catch {
    return undefined;
  }
}

/** Why a time zone name is refused, or undefined for one canonicalTimeZone knows. */
export function timeZoneProblem(name: string): string | undefined {
  if (canonicalTimeZone(name)) return undefined;
  const problem = 'must be a name from the IANA time zone database, such as Europe/Berlin or UTC';
  // Only a plausible name is repeated.
  if (!/^[\w+\-/]{1,64}$/.test(name)) return problem;
  const suggested = suggestedTimeZone(name);
  if (suggested) return `${problem}; '${name}' is not one: use ${suggested}`;
  if (/^[A-Z]{2,5}$/.test(name)) return `${problem}; '${name}' is an abbreviation, which can stand for several zones: use the zone's Region/City name`;
  return `${problem}; '${name}' is not one`;
}
