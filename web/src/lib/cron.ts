/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) as the API accepts
 * them and Temporal runs them, for the schedule form's live preview: parse (with the API's own
 * messages), describe in English, and list the next start times in an IANA time zone.
 *
 * Temporal's reading, which this module follows:
 * - `*`, numbers, ranges `a-b`, steps `* /n`, `a/n` (a to the field's end), `a-b/n`, lists, and
 *   three-letter month and weekday names; 7 is Sunday too.
 * - A day must match day-of-month AND day-of-week when both are set (classic cron takes either).
 * - Times are wall-clock times in the time zone: a time skipped by a daylight-saving jump does
 *   not run that day, and a time that happens twice (clocks going back) runs twice.
 *
 * Pure: no React, no DOM; `Intl` is the only time zone database used (TIME_ZONE_NAMES only says
 * which names the API takes).
 */

import { TIME_ZONE_NAMES } from '@sheaf/contracts';

export type CronFieldKey = 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek';

interface FieldDefinition {
  key: CronFieldKey;
  /** As the API names it in its messages. */
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const short = (names: readonly string[]) => names.map((n) => n.slice(0, 3).toLowerCase());

const FIELDS: readonly FieldDefinition[] = [
  { key: 'minute', name: 'minute', min: 0, max: 59 },
  { key: 'hour', name: 'hour', min: 0, max: 23 },
  { key: 'dayOfMonth', name: 'day of month', min: 1, max: 31 },
  { key: 'month', name: 'month', min: 1, max: 12, names: short(MONTH_NAMES) },
  { key: 'dayOfWeek', name: 'day of week', min: 0, max: 7, names: short(WEEKDAY_NAMES) },
];

/** One comma-separated item of a field. `step` 1 and a full range make `any`. */
export interface CronItem {
  kind: 'any' | 'value' | 'range' | 'step';
  start: number;
  end: number;
  step: number;
  /** `*` with a step (`* /15`): the step counts from the field's start. */
  wildcard: boolean;
}

export interface CronField {
  items: readonly CronItem[];
  /** The matching values, ascending, without duplicates (day of week: 7 folded into 0). */
  values: readonly number[];
  /** The field is `*`: it does not restrict anything. */
  any: boolean;
}

export type CronSchedule = Readonly<Record<CronFieldKey, CronField>> & {
  /** The expression with single spaces, as the API stores it. */
  expression: string;
};

export type CronParseResult = { ok: true; schedule: CronSchedule } | { ok: false; message: string };

function parseNumber(text: string, field: FieldDefinition): number | undefined {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) return undefined;
  return field.key === 'month' ? index + 1 : index;
}

function outOfRange(text: string, field: FieldDefinition): string {
  return `'${text}' is not a valid ${field.name} (${field.min}-${field.max}${field.names ? ' or a name' : ''})`;
}

function parseItem(item: string, field: FieldDefinition): CronItem | string {
  const [range, stepText, extra] = item.split('/');
  if (extra !== undefined) return `'${item}' has more than one '/'`;
  if (stepText !== undefined && !/^[1-9]\d{0,1}$/.test(stepText)) return `step in '${item}' must be a number from 1 to 99`;
  const step = stepText === undefined ? 1 : Number(stepText);
  if (range === '*') {
    return step === 1 ? { kind: 'any', start: field.min, end: field.max, step, wildcard: true } : { kind: 'step', start: field.min, end: field.max, step, wildcard: true };
  }
  const [startText, endText, more] = range.split('-');
  if (more !== undefined) return `'${item}' is not a range`;
  const start = parseNumber(startText, field);
  if (start === undefined || start < field.min || start > field.max) return outOfRange(startText, field);
  if (endText === undefined) {
    // `a/n` runs from a to the end of the field, as in Temporal.
    if (stepText === undefined) return { kind: 'value', start, end: start, step, wildcard: false };
    return { kind: step === 1 ? 'range' : 'step', start, end: field.max, step, wildcard: false };
  }
  const end = parseNumber(endText, field);
  if (end === undefined || end < field.min || end > field.max) return outOfRange(endText, field);
  if (end < start) return `range '${range}' runs backwards`;
  return { kind: step === 1 ? 'range' : 'step', start, end, step, wildcard: false };
}

function fieldValues(items: readonly CronItem[], field: FieldDefinition): number[] {
  const values = new Set<number>();
  for (const item of items) {
    for (let v = item.start; v <= item.end; v += item.step) values.add(field.key === 'dayOfWeek' && v === 7 ? 0 : v);
  }
  return [...values].sort((a, b) => a - b);
}

/** Parses an expression; a failure carries the API's message (`cron minute: '60' is not a valid minute (0-59)`). */
export function parseCron(expression: string): CronParseResult {
  const trimmed = expression.trim();
  const parts = trimmed === '' ? [] : trimmed.split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return { ok: false, message: `cron must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}` };
  }
  const fields = {} as Record<CronFieldKey, CronField>;
  for (const [i, part] of parts.entries()) {
    const definition = FIELDS[i];
    const items: CronItem[] = [];
    for (const text of part.split(',')) {
      if (text === '') return { ok: false, message: `cron ${definition.name} field has an empty list item` };
      const item = parseItem(text, definition);
      if (typeof item === 'string') return { ok: false, message: `cron ${definition.name}: ${item}` };
      items.push(item);
    }
    fields[definition.key] = { items, values: fieldValues(items, definition), any: items.length === 1 && items[0].kind === 'any' };
  }
  return { ok: true, schedule: { ...fields, expression: parts.join(' ') } };
}

// ---------------------------------------------------------------------------------------------
// English description

const pad = (n: number) => String(n).padStart(2, '0');
const clock = (hour: number, minute: number) => `${pad(hour)}:${pad(minute)}`;

function listJoin(words: readonly string[], conjunction = 'and'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1]}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}

/** The last value a stepped item really reaches (`1-10/4` reaches 9). */
const lastOf = (item: CronItem) => item.start + Math.floor((item.end - item.start) / item.step) * item.step;

const plural = (n: number, unit: string) => (n === 1 ? `1 ${unit}` : `${n} ${unit}s`);

/** Values grouped into one phrase, every other item described on its own, in the order written. */
function phrases(items: readonly CronItem[], values: (vs: number[]) => string, other: (item: CronItem) => string): string[] {
  const out: string[] = [];
  const singles = items.filter((i) => i.kind === 'value').map((i) => i.start);
  let singlesDone = false;
  for (const item of items) {
    if (item.kind !== 'value') out.push(other(item));
    else if (!singlesDone) {
      out.push(values(singles));
      singlesDone = true;
    }
  }
  return out;
}

function minutePhrase(field: CronField): string {
  return listJoin(
    phrases(
      field.items,
      (vs) => `at ${vs.length === 1 ? 'minute' : 'minutes'} ${listJoin(vs.map(String))} past the hour`,
      (item) => {
        if (item.kind === 'any') return 'every minute';
        const every = item.step === 1 ? 'every minute' : `every ${plural(item.step, 'minute')}`;
        if (item.wildcard) return every;
        if (item.end === 59 && item.kind === 'step') return `${every} from minute ${item.start}`;
        return `${every} from minute ${item.start} through ${lastOf(item)}`;
      },
    ),
  );
}

/** Hours in which a multi-minute pattern runs. */
function hourWindowPhrase(field: CronField): string {
  return listJoin(
    phrases(
      field.items,
      (vs) => (vs.length === 1 ? `between ${clock(vs[0], 0)} and ${clock(vs[0], 59)}` : `during the ${listJoin(vs.map((h) => clock(h, 0)))} hours`),
      (item) => {
        if (item.kind === 'any') return 'every hour';
        if (item.step === 1) return `between ${clock(item.start, 0)} and ${clock(item.end, 59)}`;
        const every = `during every ${ordinal(item.step)} hour`;
        if (item.wildcard) return every;
        return `${every} from ${clock(item.start, 0)} through ${clock(lastOf(item), 59)}`;
      },
    ),
  );
}

/** Start times when the minute is one value: "at 02:30", "every hour from 09:00 through 17:00". */
function hourTimesPhrase(field: CronField, minute: number): string {
  return listJoin(
    phrases(
      field.items,
      (vs) => `at ${listJoin(vs.map((h) => clock(h, minute)))}`,
      (item) => {
        if (item.kind === 'any') return minute === 0 ? 'every hour' : `at ${plural(minute, 'minute')} past every hour`;
        const every = item.step === 1 ? 'every hour' : `every ${item.step} hours`;
        if (item.wildcard) return `${every} from ${clock(item.start, minute)}`;
        return `${every} from ${clock(item.start, minute)} through ${clock(lastOf(item), minute)}`;
      },
    ),
  );
}

/** Every item as names; a stepped item becomes the names it reaches. */
function namedPhrases(field: CronField, names: readonly string[], index: (v: number) => number): { words: string[]; onlyNames: boolean } {
  const words: string[] = [];
  let onlyNames = true;
  for (const item of field.items) {
    if (item.kind === 'range') {
      words.push(`${names[index(item.start)]} through ${names[index(item.end)]}`);
      onlyNames = false;
    } else {
      for (let v = item.start; v <= item.end; v += item.step) {
        const name = names[index(v)];
        if (!words.includes(name)) words.push(name);
      }
    }
  }
  return { words, onlyNames };
}

function dayOfMonthPhrase(field: CronField): string {
  return listJoin(
    phrases(
      field.items,
      (vs) => `on ${vs.length === 1 ? 'day' : 'days'} ${listJoin(vs.map(String))} of the month`,
      (item) => {
        if (item.step === 1) return `on days ${item.start} through ${item.end} of the month`;
        const every = `on every ${ordinal(item.step)} day of the month`;
        if (item.wildcard) return every;
        if (item.end === 31) return `${every} from day ${item.start}`;
        return `${every} from day ${item.start} through ${lastOf(item)}`;
      },
    ),
  );
}

const weekday = (v: number) => v % 7;
const month = (v: number) => v - 1;

/**
 * The schedule in English, e.g. "At 02:30, Monday through Friday", "Every 15 minutes",
 * "At 00:00, on day 1 of the month, if it falls on Monday".
 */
export function describeCron(schedule: CronSchedule): string {
  const { minute, hour, dayOfMonth, dayOfWeek } = schedule;
  const parts: string[] = [];

  if (minute.any && hour.any) parts.push('every minute');
  else if (minute.values.length * hour.values.length <= 6) {
    const times = hour.values.flatMap((h) => minute.values.map((m) => clock(h, m)));
    parts.push(`at ${listJoin(times)}`);
  } else if (minute.values.length === 1) parts.push(hourTimesPhrase(hour, minute.values[0]));
  else {
    parts.push(minutePhrase(minute));
    if (!hour.any) parts.push(hourWindowPhrase(hour));
  }

  if (!dayOfMonth.any) parts.push(dayOfMonthPhrase(dayOfMonth));
  if (!dayOfWeek.any) {
    const { words, onlyNames } = namedPhrases(dayOfWeek, WEEKDAY_NAMES, weekday);
    if (!dayOfMonth.any) parts.push(`if it falls on ${listJoin(words, 'or')}`);
    else parts.push(onlyNames ? `only on ${listJoin(words)}` : listJoin(words));
  }
  if (!schedule.month.any) {
    const { words, onlyNames } = namedPhrases(schedule.month, MONTH_NAMES, month);
    parts.push(onlyNames ? `only in ${listJoin(words)}` : listJoin(words));
  }

  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Said beside the preview when both day fields are set, since classic cron reads them differently. */
export function cronCaveat(schedule: CronSchedule): string | undefined {
  if (schedule.dayOfMonth.any || schedule.dayOfWeek.any) return undefined;
  return 'Both day of month and day of week are set: Temporal runs only on days that match both (classic cron runs on days that match either).';
}

// ---------------------------------------------------------------------------------------------
// Time zones

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const wallFormats = new Map<string, Intl.DateTimeFormat>();

function wallFormat(timeZone: string): Intl.DateTimeFormat {
  let format = wallFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallFormats.set(timeZone, format);
  }
  return format;
}

/** The wall-clock reading at an instant, as milliseconds of a UTC date with the same reading. */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of wallFormat(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second);
}

/** The zone's offset from UTC at an instant (positive east of Greenwich), in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallClock(whole, timeZone) - whole;
}

/**
 * The names the API accepts (the IANA tz database's, which Temporal knows). The browser's Intl is
 * no judge: it also knows abbreviations (IST) and names the database dropped (US/Pacific-New),
 * which Temporal refuses.
 */
const apiTimeZones = new Set(TIME_ZONE_NAMES);

/** A time zone the API accepts (spelled as it stores it) and this browser can compute times in. */
export function isTimeZone(name: string): boolean {
  if (!apiTimeZones.has(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Every time zone the browser knows and the API accepts, for a picker; UTC first. */
export function timeZoneNames(): string[] {
  const supported = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...supported.filter((z) => z !== 'UTC' && apiTimeZones.has(z))];
}

/**
 * The instants whose wall-clock reading in `timeZone` is `wall` (a UTC date with that reading):
 * none inside a daylight-saving gap, two inside a repeated hour, ascending. `before` and `after`
 * are the zone's offsets around it; at most one transition lies between them.
 */
function instantsOf(wall: number, before: number, after: number, timeZone: string): number[] {
  if (before === after) return [wall - before];
  const found = [wall - before, wall - after].filter((t) => offsetAt(t, timeZone) === wall - t);
  return [...new Set(found)].sort((a, b) => a - b);
}

/** Offsets can be -12 h to +14 h: instants with a wall reading on one day lie within this margin of it. */
const OFFSET_MARGIN = 15 * HOUR;

/** A date-time input's value (`2025-03-30T02:30`) read in a time zone; a time in a gap counts after it, a repeated one as its first occurrence. */
export function zonedInputToDate(value: string, timeZone: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [year, monthNumber, day, hours, minutes] = match.slice(1).map(Number);
  const wall = Date.UTC(year, monthNumber - 1, day, hours, minutes);
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== day || hours > 23 || minutes > 59) return undefined;
  const before = offsetAt(wall - OFFSET_MARGIN, timeZone);
  const [first] = instantsOf(wall, before, offsetAt(wall + OFFSET_MARGIN, timeZone), timeZone);
  return new Date(first ?? wall - before);
}

/** An instant as a date-time input's value in a time zone. */
export function dateToZonedInput(date: Date, timeZone: string): string {
  return new Date(wallClock(date.getTime(), timeZone)).toISOString().slice(0, 16);
}

const displayFormats = new Map<string, Intl.DateTimeFormat>();

/** "Mon, 3 Nov 2025, 01:30 GMT-5": the weekday, and the offset that tells repeated times apart. */
export function formatInTimeZone(date: Date, timeZone: string): string {
  let format = displayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    displayFormats.set(timeZone, format);
  }
  return format.format(date);
}

// ---------------------------------------------------------------------------------------------
// Next start times

/** How far ahead to look: day 29 of February on a given weekday comes round every 28 years. */
const SEARCH_DAYS = 29 * 366;

/**
 * The next `count` start times strictly after `after`, ascending, in `timeZone` (an IANA name;
 * throws a RangeError for an unknown one). Fewer when the schedule never comes round again
 * (`0 0 30 2 *`).
 */
export function nextRunTimes(schedule: CronSchedule, timeZone: string, after: Date, count: number): Date[] {
  const from = after.getTime();
  const found: number[] = [];
  // A wall-clock day before the start: in a repeated hour, a time written earlier may happen later.
  let day = Math.floor(wallClock(from, timeZone) / DAY) * DAY - DAY;
  let extraDays = 1;
  const { minute, hour, dayOfMonth, dayOfWeek } = schedule;

  for (let n = 0; n < SEARCH_DAYS; n += 1, day += DAY) {
    const date = new Date(day);
    if (
      schedule.month.values.includes(date.getUTCMonth() + 1) &&
      dayOfMonth.values.includes(date.getUTCDate()) &&
      dayOfWeek.values.includes(date.getUTCDay())
    ) {
      const before = offsetAt(day - OFFSET_MARGIN, timeZone);
      const afterDay = offsetAt(day + DAY + OFFSET_MARGIN, timeZone);
      for (const h of hour.values) {
        for (const m of minute.values) {
          for (const t of instantsOf(day + h * HOUR + m * MINUTE, before, afterDay, timeZone)) if (t > from) found.push(t);
        }
      }
    }
    // Wall-clock order and time order differ only around a repeated hour: one more day settles it.
    if (found.length >= count && extraDays-- <= 0) break;
  }
  return found
    .sort((a, b) => a - b)
    .slice(0, count)
    .map((t) => new Date(t));
}
