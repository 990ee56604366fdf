import { scheduleChanges, type ScheduleFields } from '../src/app/(admin)/schedules/schedule-data';

describe('scheduleChanges: what saving an edited schedule sends', () => {
  const schedule = { cron: '0 4 * * *', timezone: 'Europe/Berlin', enabled: true, description: 'nightly' };
  const form: ScheduleFields = { ...schedule };

  it('sends only the note when only the note was edited: a pause or a cron change made meanwhile elsewhere stays', () => {
    expect(scheduleChanges(schedule, { ...form, description: 'nightly, after the backup' })).toEqual({ description: 'nightly, after the backup' });
  });

  it('sends each changed field, the note trimmed', () => {
    expect(scheduleChanges(schedule, { cron: '30 5 * * 1-5', timezone: 'UTC', enabled: false, description: '  ' })).toEqual({
      cron: '30 5 * * 1-5',
      timezone: 'UTC',
      enabled: false,
      description: '',
    });
  });

  it('sends nothing for an unchanged form: a cron differing only in spaces, a note only in surrounding blanks, no note for none', () => {
    expect(scheduleChanges(schedule, { ...form, cron: ' 0  4 * * * ', description: ' nightly\n' })).toEqual({});
    expect(scheduleChanges({ ...schedule, description: null }, { ...form, description: '' })).toEqual({});
  });
});
