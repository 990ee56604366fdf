import { nextRunText, nextScheduledRun, scheduleState, STATE_FILTERS } from '../src/app/(admin)/schedules/schedule-data';
import { formatInTimeZone } from '../src/lib/cron';

describe('schedule state', () => {
  it('says a schedule is paused while its instrument is disabled, whatever its own switch says', () => {
    expect(scheduleState({ enabled: true, instrumentEnabled: true })).toEqual({ active: true, label: 'Active' });
    expect(scheduleState({ enabled: false, instrumentEnabled: true })).toEqual({ active: false, label: 'Paused' });
    expect(scheduleState({ enabled: true, instrumentEnabled: false })).toEqual({ active: false, label: 'Paused: instrument disabled' });
    expect(scheduleState({ enabled: false, instrumentEnabled: false })).toEqual({ active: false, label: 'Paused' });
  });
});

describe('the schedules state filter', () => {
  const rows = [true, false].flatMap((enabled) => [true, false].map((instrumentEnabled) => ({ enabled, instrumentEnabled })));

  it("finds, for each option on the schedule's own switch, exactly the rows whose State the option names", () => {
    const states = { active: ['Active', 'Paused: instrument disabled'], paused: ['Paused'] };
    for (const key of ['active', 'paused'] as const) {
      const matched = rows.filter((row) => row.enabled === STATE_FILTERS[key].query.enabled);
      expect(new Set(matched.map((row) => scheduleState(row).label))).toEqual(new Set(states[key]));
    }
  });

  it('does not call its "switched on" option Active: the API cannot leave out schedules of disabled instruments', () => {
    expect(STATE_FILTERS.active.label).not.toBe('Active');
    expect(STATE_FILTERS.active.label).toContain('instrument disabled');
  });
});

describe('next runs computed from cron', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const daily = { cron: '0 2 * * *', timezone: 'UTC', enabled: true, instrumentEnabled: true };
  const hourly = { ...daily, cron: '30 * * * *' };

  it("reads a schedule's next start in its time zone, Paused while it is not active, Never when the cron never matches", () => {
    expect(nextRunText(daily, now)).toBe(formatInTimeZone(new Date('2026-01-01T02:00:00Z'), 'UTC'));
    expect(nextRunText({ ...daily, enabled: false }, now)).toBe('Paused');
    expect(nextRunText({ ...daily, instrumentEnabled: false }, now)).toBe('Paused');
    expect(nextRunText({ ...daily, cron: '0 0 31 2 *' }, now)).toBe('Never');
  });

  it("gives an instrument's earliest start among its active schedules, with that schedule's time zone", () => {
    expect(nextScheduledRun([daily, { ...hourly, timezone: 'Europe/Berlin' }], now)).toEqual({ at: new Date('2026-01-01T00:30:00Z'), timeZone: 'Europe/Berlin' });
    expect(nextScheduledRun([daily, { ...hourly, enabled: false }], now)).toEqual({ at: new Date('2026-01-01T02:00:00Z'), timeZone: 'UTC' });
    expect(nextScheduledRun([{ ...daily, instrumentEnabled: false }], now)).toBeUndefined();
    expect(nextScheduledRun([], now)).toBeUndefined();
  });
});
