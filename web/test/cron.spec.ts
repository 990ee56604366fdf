import {
  cronCaveat,
  dateToZonedInput,
  describeCron,
  formatInTimeZone,
  isTimeZone,
  nextRunTimes,
  parseCron,
  timeZoneNames,
  zonedInputToDate,
  type CronSchedule,
} from '../src/lib/cron';

function schedule(expression: string): CronSchedule {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(`${expression}: ${parsed.message}`);
  return parsed.schedule;
}

/** The next start times as ISO strings, for readable expectations. */
function next(expression: string, timeZone: string, after: string, count: number): string[] {
  return nextRunTimes(schedule(expression), timeZone, new Date(after), count).map((d) => d.toISOString());
}

describe('parseCron', () => {
  it('expands */15 to the quarter hours', () => {
    expect(schedule('*/15 * * * *').minute.values).toEqual([0, 15, 30, 45]);
  });

  it('reads ranges, lists, steps from a start and within a range', () => {
    const s = schedule('5/20 1-3,12 1-10/4 * *');
    expect(s.minute.values).toEqual([5, 25, 45]);
    expect(s.hour.values).toEqual([1, 2, 3, 12]);
    expect(s.dayOfMonth.values).toEqual([1, 5, 9]);
  });

  it('reads month and weekday names in any case, and 7 as Sunday', () => {
    const s = schedule('0 0 * JAN,jul Sun');
    expect(s.month.values).toEqual([1, 7]);
    expect(s.dayOfWeek.values).toEqual([0]);
    expect(schedule('0 0 * * 5-7').dayOfWeek.values).toEqual([0, 5, 6]);
  });

  it('normalises whitespace as the API stores it', () => {
    expect(schedule('  0   2 *\t* 1-5 ').expression).toBe('0 2 * * 1-5');
  });

  it.each([
    ['', 'cron must have 5 fields (minute hour day-of-month month day-of-week), got 0'],
    ['* * *', 'cron must have 5 fields (minute hour day-of-month month day-of-week), got 3'],
    ['* * * * * *', 'cron must have 5 fields (minute hour day-of-month month day-of-week), got 6'],
    ['60 * * * *', "cron minute: '60' is not a valid minute (0-59)"],
    ['* 24 * * *', "cron hour: '24' is not a valid hour (0-23)"],
    ['* * 0 * *', "cron day of month: '0' is not a valid day of month (1-31)"],
    ['* * * 13 *', "cron month: '13' is not a valid month (1-12 or a name)"],
    ['* * * * 8', "cron day of week: '8' is not a valid day of week (0-7 or a name)"],
    ['mon * * * *', "cron minute: 'mon' is not a valid minute (0-59)"],
    ['* * * * monday', "cron day of week: 'monday' is not a valid day of week (0-7 or a name)"],
    ['5-1 * * * *', "cron minute: range '5-1' runs backwards"],
    ['*/0 * * * *', "cron minute: step in '*/0' must be a number from 1 to 99"],
    ['*/100 * * * *', "cron minute: step in '*/100' must be a number from 1 to 99"],
    ['1/2/3 * * * *', "cron minute: '1/2/3' has more than one '/'"],
    ['1-2-3 * * * *', "cron minute: '1-2-3' is not a range"],
    ['1,,2 * * * *', 'cron minute field has an empty list item'],
    ['-1 * * * *', "cron minute: '' is not a valid minute (0-59)"],
  ])('refuses %j with the API’s message', (expression, message) => {
    expect(parseCron(expression)).toEqual({ ok: false, message });
  });
});

describe('describeCron', () => {
  it.each([
    ['* * * * *', 'Every minute'],
    ['*/15 * * * *', 'Every 15 minutes'],
    ['0 * * * *', 'Every hour'],
    ['15 * * * *', 'At 15 minutes past every hour'],
    ['0 2 * * *', 'At 02:00'],
    ['30 2 * * 1-5', 'At 02:30, Monday through Friday'],
    ['0 2 * * 1-5', 'At 02:00, Monday through Friday'],
    ['30 2,14 * * *', 'At 02:30 and 14:30'],
    ['0 */6 * * *', 'At 00:00, 06:00, 12:00 and 18:00'],
    ['0 */2 * * *', 'Every 2 hours from 00:00'],
    ['0 9-17 * * mon-fri', 'Every hour from 09:00 through 17:00, Monday through Friday'],
    ['*/15 9-17 * * 1-5', 'Every 15 minutes, between 09:00 and 17:59, Monday through Friday'],
    ['0,30 * * * *', 'At minutes 0 and 30 past the hour'],
    ['0 0 1,15 * *', 'At 00:00, on days 1 and 15 of the month'],
    ['0 0 1-7 * *', 'At 00:00, on days 1 through 7 of the month'],
    ['0 0 * * 0', 'At 00:00, only on Sunday'],
    ['0 0 * * 6,7', 'At 00:00, only on Saturday and Sunday'],
    ['0 0 * * */2', 'At 00:00, only on Sunday, Tuesday, Thursday and Saturday'],
    ['0 0 1 * 1', 'At 00:00, on day 1 of the month, if it falls on Monday'],
    ['0 3 * jan,jul *', 'At 03:00, only in January and July'],
    ['0 3 1 jun-aug *', 'At 03:00, on day 1 of the month, June through August'],
  ])('describes %j as %j', (expression, description) => {
    expect(describeCron(schedule(expression))).toBe(description);
  });

  it('warns only when both day fields are set', () => {
    expect(cronCaveat(schedule('0 0 13 * 5'))).toMatch(/match both/);
    expect(cronCaveat(schedule('0 0 13 * *'))).toBeUndefined();
    expect(cronCaveat(schedule('0 0 * * 5'))).toBeUndefined();
  });
});

describe('nextRunTimes', () => {
  it('lists quarter hours after a time, strictly after it', () => {
    expect(next('*/15 * * * *', 'UTC', '2025-01-01T10:07:00Z', 4)).toEqual([
      '2025-01-01T10:15:00.000Z',
      '2025-01-01T10:30:00.000Z',
      '2025-01-01T10:45:00.000Z',
      '2025-01-01T11:00:00.000Z',
    ]);
    expect(next('*/15 * * * *', 'UTC', '2025-01-01T10:15:00Z', 1)).toEqual(['2025-01-01T10:30:00.000Z']);
  });

  it('skips the weekend for 0 2 * * 1-5 in Berlin (UTC+1 in winter)', () => {
    // Friday 3 January 2025, noon UTC.
    expect(next('0 2 * * 1-5', 'Europe/Berlin', '2025-01-03T12:00:00Z', 3)).toEqual([
      '2025-01-06T01:00:00.000Z',
      '2025-01-07T01:00:00.000Z',
      '2025-01-08T01:00:00.000Z',
    ]);
  });

  it('does not run a time skipped when clocks go forward (New York, 10 March 2024)', () => {
    expect(next('30 2 * * *', 'America/New_York', '2024-03-09T03:00:00Z', 3)).toEqual([
      '2024-03-09T07:30:00.000Z', // 02:30 EST
      '2024-03-11T06:30:00.000Z', // 02:30 EDT; there was no 02:30 on the 10th
      '2024-03-12T06:30:00.000Z',
    ]);
  });

  it('runs a repeated time twice when clocks go back (New York, 3 November 2024)', () => {
    expect(next('30 1 * * *', 'America/New_York', '2024-11-02T12:00:00Z', 3)).toEqual([
      '2024-11-03T05:30:00.000Z', // 01:30 EDT
      '2024-11-03T06:30:00.000Z', // 01:30 EST
      '2024-11-04T06:30:00.000Z',
    ]);
  });

  it('keeps hourly runs one real hour apart across both transitions (Berlin)', () => {
    // 31 March 2024: 02:00 CET becomes 03:00 CEST.
    expect(next('0 * * * *', 'Europe/Berlin', '2024-03-31T00:30:00Z', 2)).toEqual(['2024-03-31T01:00:00.000Z', '2024-03-31T02:00:00.000Z']);
    // 27 October 2024: 03:00 CEST becomes 02:00 CET.
    expect(next('0 * * * *', 'Europe/Berlin', '2024-10-26T23:30:00Z', 3)).toEqual([
      '2024-10-27T00:00:00.000Z',
      '2024-10-27T01:00:00.000Z',
      '2024-10-27T02:00:00.000Z',
    ]);
  });

  it('orders runs in time inside a repeated hour, not as written', () => {
    // From 02:10 CEST: 02:30 CEST, then 02:00 and 02:30 CET.
    expect(next('*/30 * * * *', 'Europe/Berlin', '2024-10-27T00:10:00Z', 4)).toEqual([
      '2024-10-27T00:30:00.000Z',
      '2024-10-27T01:00:00.000Z',
      '2024-10-27T01:30:00.000Z',
      '2024-10-27T02:00:00.000Z',
    ]);
  });

  it('skips the gap in the southern hemisphere too (Sydney, 6 October 2024)', () => {
    expect(next('30 2 * * *', 'Australia/Sydney', '2024-10-04T12:00:00Z', 2)).toEqual([
      '2024-10-04T16:30:00.000Z', // 5 Oct 02:30 AEST
      '2024-10-06T15:30:00.000Z', // 7 Oct 02:30 AEDT
    ]);
  });

  it('handles half-hour offsets', () => {
    expect(next('0 9 * * *', 'Asia/Kolkata', '2025-06-01T00:00:00Z', 1)).toEqual(['2025-06-01T03:30:00.000Z']);
  });

  it('needs both day fields to match, as Temporal does (Friday the 13th)', () => {
    expect(next('0 0 13 * 5', 'UTC', '2024-01-01T00:00:00Z', 3)).toEqual(['2024-09-13T00:00:00.000Z', '2024-12-13T00:00:00.000Z', '2025-06-13T00:00:00.000Z']);
  });

  it('finds a leap day years ahead and nothing for a day that never comes', () => {
    expect(next('0 0 29 2 *', 'UTC', '2025-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
    expect(next('0 0 30 2 *', 'UTC', '2025-01-01T00:00:00Z', 3)).toEqual([]);
  });

  it('refuses an unknown time zone', () => {
    expect(() => next('0 0 * * *', 'Mars/Olympus_Mons', '2025-01-01T00:00:00Z', 1)).toThrow(RangeError);
  });
});

describe('time zones', () => {
  it('knows the names the API takes and refuses others', () => {
    for (const name of ['Europe/Berlin', 'UTC', 'US/Pacific', 'Asia/Calcutta', 'EST5EDT']) expect(isTimeZone(name)).toBe(true);
    // Intl knows these, Temporal does not: the API refuses them.
    for (const name of ['IST', 'BST', 'SystemV/EST5', 'US/Pacific-New']) expect(isTimeZone(name)).toBe(false);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('offers UTC first, once, and the usual zones', () => {
    const names = timeZoneNames();
    expect(names[0]).toBe('UTC');
    expect(names.filter((n) => n === 'UTC')).toHaveLength(1);
    expect(names).toContain('America/New_York');
  });

  it('reads a date-time input in a zone: a gap moves forward, a repeated time is the first one', () => {
    expect(zonedInputToDate('2024-07-01T12:00', 'Europe/Berlin')?.toISOString()).toBe('2024-07-01T10:00:00.000Z');
    expect(zonedInputToDate('2024-03-31T02:30', 'Europe/Berlin')?.toISOString()).toBe('2024-03-31T01:30:00.000Z');
    expect(zonedInputToDate('2024-10-27T02:30', 'Europe/Berlin')?.toISOString()).toBe('2024-10-27T00:30:00.000Z');
    expect(zonedInputToDate('2024-02-30T10:00', 'UTC')).toBeUndefined();
    expect(zonedInputToDate('yesterday', 'UTC')).toBeUndefined();
  });

  it('writes an instant as a date-time input in a zone', () => {
    expect(dateToZonedInput(new Date('2024-11-03T06:30:00Z'), 'America/New_York')).toBe('2024-11-03T01:30');
    expect(dateToZonedInput(new Date('2024-07-01T10:00:00Z'), 'Europe/Berlin')).toBe('2024-07-01T12:00');
  });

  it('shows the offset so the two 01:30 of a repeated hour differ', () => {
    const first = formatInTimeZone(new Date('2024-11-03T05:30:00Z'), 'America/New_York');
    const second = formatInTimeZone(new Date('2024-11-03T06:30:00Z'), 'America/New_York');
    expect(first).toContain('01:30');
    expect(second).toContain('01:30');
    expect(first).not.toBe(second);
  });
});
