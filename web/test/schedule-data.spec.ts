import { scheduleState } from '../src/app/(admin)/schedules/schedule-data';

describe('schedule state', () => {
  it('says a schedule is paused while its instrument is disabled, whatever its own switch says', () => {
    expect(scheduleState({ enabled: true, instrumentEnabled: true })).toEqual({ active: true, label: 'Active' });
    expect(scheduleState({ enabled: false, instrumentEnabled: true })).toEqual({ active: false, label: 'Paused' });
    expect(scheduleState({ enabled: true, instrumentEnabled: false })).toEqual({ active: false, label: 'Paused: instrument disabled' });
    expect(scheduleState({ enabled: false, instrumentEnabled: false })).toEqual({ active: false, label: 'Paused' });
  });
});
