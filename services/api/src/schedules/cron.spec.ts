import { canonicalTimeZone, cronProblem, timeZoneProblem } from './cron';
import { TIME_ZONE_NAMES } from '@sheaf/contracts';

describe('cron expressions', () => {
  it.each(['* * * * *', '0 2 * * *', '*/15 8-18 * * mon-fri', '30 1 1,15 jan,jul *', '0 0 * * 7', '5/10 * * * *', '0 0 1-31/2 * SUN'])(
    'accepts %s',
    (expression) => expect(cronProblem(expression)).toBeUndefined(),
  );

  it.each([
    ['', 'must have 5 fields'],
    ['* * * *', 'must have 5 fields'],
    ['0 0 * * * *', 'must have 5 fields'],
    ['60 * * * *', "minute: '60' is not a valid minute"],
    ['* 24 * * *', "hour: '24' is not a valid hour"],
    ['* * 0 * *', "day of month: '0' is not a valid day of month"],
    ['* * * 13 *', "month: '13' is not a valid month"],
    ['* * * * funday', "day of week: 'funday' is not a valid day of week"],
    ['*/0 * * * *', 'step in'],
    ['5-1 * * * *', 'runs backwards'],
    ['1,,2 * * * *', 'empty list item'],
    ['@daily', 'must have 5 fields'],
  ])('refuses %j', (expression, message) => expect(cronProblem(expression)).toContain(message));

  describe('days of month that never fall in the chosen months (Temporal would take the schedule and never run it)', () => {
    // February counts its leap day; one chosen day in one chosen month is enough.
    it.each(['0 0 29 2 *', '0 0 31 1-12/3 *', '0 0 31 4-5 *', '0 0 30,31 feb,apr *', '0 0 31 * *', '0 0 29-31/2 2 mon', '0 0 1 2 *'])('accepts %s', (expression) =>
      expect(cronProblem(expression)).toBeUndefined(),
    );

    it.each([
      ['0 0 30 2 *', "day of month: '30' never occurs in month '2' (February has 29 days in a leap year): the schedule would never run"],
      ['0 0 31 4,6,9,11 *', "day of month: '31' never occurs in month '4,6,9,11' (the longest of them has 30 days): the schedule would never run"],
      ['0 0 31 apr *', "day of month: '31' never occurs in month 'apr' (April has 30 days): the schedule would never run"],
      ['0 0 30-31 2/12 *', "day of month: '30-31' never occurs in month '2/12' (February has 29 days in a leap year): the schedule would never run"],
      // Classic cron would run this on February's Mondays; Temporal (a day matches both fields) never.
      [
        '0 0 30 2 mon',
        "day of month: '30' never occurs in month '2' (February has 29 days in a leap year): the schedule would never run; a day must match both its day of month and its day of week",
      ],
    ])('refuses %j', (expression, message) => expect(cronProblem(expression)).toBe(message));
  });

  describe('time zones: the names Temporal knows (TIME_ZONE_NAMES, the IANA tz database)', () => {
    it.each(['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'US/Pacific', 'Asia/Calcutta', 'Asia/Kolkata', 'EST5EDT', 'CET', 'EST', 'Etc/GMT+5', 'GMT+0'])(
      'takes %s as it is',
      (name) => {
        expect(canonicalTimeZone(name)).toBe(name);
        expect(timeZoneProblem(name)).toBeUndefined();
      },
    );

    // Temporal's (Go) lookup is case-sensitive: what it is given is the database's spelling.
    it.each([
      ['europe/berlin', 'Europe/Berlin'],
      ['EUROPE/BERLIN', 'Europe/Berlin'],
      ['utc', 'UTC'],
      ['us/pacific', 'US/Pacific'],
    ])('spells %s as %s', (name, canonical) => expect(canonicalTimeZone(name)).toBe(canonical));

    // Node's Intl knows the first eight, which Temporal (1.29) refuses. Temporal loads the next
    // four: Factory ("-00"), its server's own zone, and files only some hosts have.
    it.each(['IST', 'JST', 'CST', 'BST', 'AET', 'SystemV/EST5', 'US/Pacific-New', 'Canada/East-Saskatchewan', 'Factory', 'Local', 'localtime', 'posix/Europe/Berlin', 'Mars/Olympus', ''])(
      'refuses %j',
      (name) => {
        expect(canonicalTimeZone(name)).toBeUndefined();
        expect(timeZoneProblem(name)).toMatch(/^must be a name from the IANA time zone database/);
      },
    );

    it('says why, with the database’s name where Node knows the zone unambiguously', () => {
      const problem = 'must be a name from the IANA time zone database, such as Europe/Berlin or UTC';
      expect(timeZoneProblem('US/Pacific-New')).toBe(`${problem}; 'US/Pacific-New' is not one: use America/Los_Angeles`);
      // Node reads BST as Bangladesh Standard Time: no guess for an abbreviation.
      expect(timeZoneProblem('BST')).toBe(`${problem}; 'BST' is an abbreviation, which can stand for several zones: use the zone's Region/City name`);
      expect(timeZoneProblem('SystemV/EST5')).toBe(`${problem}; 'SystemV/EST5' is not one`);
      expect(timeZoneProblem('x'.repeat(10_000))).toBe(problem);
      expect(timeZoneProblem("Europe/Berlin'; --")).toBe(problem);
    });

    it('lists each name once, sorted, none twice in another case', () => {
      expect(TIME_ZONE_NAMES).toHaveLength(597);
      expect([...TIME_ZONE_NAMES].sort()).toEqual(TIME_ZONE_NAMES);
      expect(new Set(TIME_ZONE_NAMES.map((n) => n.toLowerCase())).size).toBe(TIME_ZONE_NAMES.length);
    });

    // Fails once Node's time zone data is newer than the list: regenerate it (see time-zones.ts).
    it('has every zone Node’s Intl lists', () => {
      expect(Intl.supportedValuesOf('timeZone').filter((name) => !TIME_ZONE_NAMES.includes(name))).toEqual([]);
    });
  });
});
