import { scheduleState, STATE_FILTERS } from '../src/app/(admin)/schedules/schedule-data';

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
    for (const filter of [STATE_FILTERS.active, STATE_FILTERS.paused]) {
      const matched = rows.filter((row) => row.enabled === filter.query.enabled);
      expect(new Set(matched.map((row) => scheduleState(row).label))).toEqual(new Set(filter.states));
    }
  });

  it('does not call its "switched on" option Active: the API cannot leave out schedules of disabled instruments', () => {
    expect(STATE_FILTERS.active.label).not.toBe('Active');
    expect(STATE_FILTERS.active.label).toContain('instrument disabled');
  });
});
