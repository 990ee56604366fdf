import { canonicalTimeZone, cronProblem } from './cron';

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

  it('knows IANA time zones', () => {
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    expect(canonicalTimeZone('x'.repeat(10_000))).toBeUndefined();
    // Temporal's (Go) lookup is case-sensitive: what it is given is the canonical spelling.
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('EUROPE/BERLIN')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('us/pacific')).toBe('America/Los_Angeles');
    expect(canonicalTimeZone('US/Pacific')).toBe('US/Pacific');
  });
});
