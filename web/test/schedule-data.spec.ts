import { CRON_PRESETS, DEFAULT_CRON, nextRunText, nextScheduledRun, noPlanMessage, scheduleState, STATE_FILTERS } from '../src/app/(admin)/schedules/schedule-data';
import { dateToZonedInput, formatInTimeZone, nextRunTimes, parseCron, type CronSchedule } from '../src/lib/cron';

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

describe("a schedule page's reason for showing no plan", () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const schedule = { deletedAt: null, enabled: true, instrumentEnabled: true, instrumentName: 'krios-1', synced: true, cron: '0 4 * * *', timezone: 'UTC' };

  it('does not say Temporal starts nothing while a deleted or paused schedule has not reached it', () => {
    for (const state of [{ deletedAt: '2026-01-01T00:00:00Z' }, { enabled: false }, { instrumentEnabled: false }]) {
      const message = noPlanMessage({ ...schedule, ...state, synced: false }, now);
      expect(message).not.toContain('starts nothing');
      expect(message).toContain('may still start harvests');
    }
  });

  it('says so once Temporal has it: deleted, paused, or what the cron implies', () => {
    expect(noPlanMessage({ ...schedule, deletedAt: '2026-01-01T00:00:00Z' }, now)).toBe('Deleted: Temporal starts nothing.');
    expect(noPlanMessage({ ...schedule, enabled: false }, now)).toBe('Paused: Temporal starts nothing until the schedule is resumed.');
    expect(noPlanMessage(schedule, now)).toContain(formatInTimeZone(new Date('2026-01-01T04:00:00Z'), 'UTC'));
    expect(noPlanMessage({ ...schedule, synced: false }, now)).toContain('re-sync it');
  });
});

describe('the timed presets and the default expression keep clear of daylight saving', () => {
  // 2026's changes: the US on 8 March and 1 November (02:00), Europe on 29 March and 25 October (02:00/03:00 local).
  const changes = [
    { zone: 'America/New_York', days: ['2026-03-08', '2026-11-01'] },
    { zone: 'Europe/Berlin', days: ['2026-03-29', '2026-10-25'] },
  ];
  const timed = (crons: readonly string[]) =>
    crons.map((cron) => {
      const parsed = parseCron(cron);
      if (!parsed.ok) throw new Error(`${cron}: ${parsed.message}`);
      return parsed.schedule;
    });
  /** On a change's day and the days around it: each start at a time the cron names, none twice, none skipped. */
  const expectStartsAsWritten = (schedule: CronSchedule) => {
    for (const { zone, days } of changes) {
      for (const day of days) {
        const from = new Date(`${day}T00:00:00Z`);
        from.setUTCDate(from.getUTCDate() - 1);
        const starts = nextRunTimes(schedule, zone, from, 40)
          .map((t) => dateToZonedInput(t, zone))
          .filter((local) => local.slice(0, 10) <= day);
        const onDay = starts.filter((local) => local.startsWith(day));
        expect({ cron: schedule.expression, zone, repeated: starts.length - new Set(starts).size }).toEqual({ cron: schedule.expression, zone, repeated: 0 });
        for (const local of starts) {
          expect({ cron: schedule.expression, zone, local, hour: schedule.hour.values.includes(Number(local.slice(11, 13))) }).toMatchObject({ hour: true });
        }
        const dayOfWeek = new Date(`${day}T12:00:00Z`).getUTCDay();
        if (schedule.dayOfWeek.values.includes(dayOfWeek)) expect({ cron: schedule.expression, zone, day, starts: onDay.length }).toEqual({ cron: schedule.expression, zone, day, starts: schedule.hour.values.length * schedule.minute.values.length });
      }
    }
  };

  it('starts each timed preset at its written time exactly once on the days the clocks change', () => {
    for (const schedule of timed(CRON_PRESETS.map((p) => p.cron)).filter((s) => !s.hour.any)) {
      expect(schedule.hour.values.filter((h) => h >= 1 && h <= 3)).toEqual([]);
      expectStartsAsWritten(schedule);
    }
  });

  it('does so for the expression a new schedule starts with', () => {
    for (const schedule of timed([DEFAULT_CRON])) expectStartsAsWritten(schedule);
  });
});
