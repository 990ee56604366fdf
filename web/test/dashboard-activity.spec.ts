import type { HarvestRunDto, InstrumentDto } from '../src/lib/api-types';
import { activityPerDay, activityWindowStart, instrumentHealth, plannedStarts, windowFailures } from '../src/app/(admin)/_dashboard/activity';

const NOW = new Date('2025-06-14T10:00:00Z');

function run(overrides: Partial<HarvestRunDto>): HarvestRunDto {
  return {
    id: 'r',
    instrumentId: 'i1',
    instrumentName: 'krios-1',
    status: 'succeeded',
    phase: 'finished',
    trigger: 'manual',
    workflowId: null,
    temporalRunId: null,
    temporalUrl: null,
    filesDiscovered: 0,
    bytesDiscovered: 0,
    filesTotal: 0,
    bytesTotal: 0,
    filesDone: 0,
    bytesDone: 0,
    filesFailed: 0,
    filesSkipped: 0,
    filesHeld: 0,
    filesDeferred: 0,
    filesInQuietPeriod: 0,
    filesInFuture: 0,
    latestFutureMtime: null,
    batchesTotal: 0,
    batchesDone: 0,
    error: null,
    startedAt: null,
    finishedAt: null,
    createdAt: '2025-06-14T09:00:00.000Z',
    updatedAt: '2025-06-14T09:00:00.000Z',
    ...overrides,
  };
}

function instrument(id: string, lastRun: InstrumentDto['lastRun'] = null): InstrumentDto {
  return {
    id,
    name: id,
    description: '',
    location: '',
    sourceType: 'local',
    sourceConfig: {},
    serviceAccountId: null,
    minAgeSeconds: 0,
    enabled: true,
    destinations: [],
    grants: [],
    lastRun,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    deletedAt: null,
  };
}

describe('dashboard activity per day', () => {
  it('covers 14 UTC days ending today, with zeros for quiet days', () => {
    expect(activityWindowStart(NOW).toISOString()).toBe('2025-06-01T00:00:00.000Z');
    const { days } = activityPerDay([], NOW);
    expect(days).toHaveLength(14);
    expect(days[0]).toEqual({ day: '2025-06-01', filesDone: 0, filesFailed: 0, bytesDone: 0, runs: 0 });
    expect(days[13]?.day).toBe('2025-06-14');
  });

  it('counts a run on the day it finished, and a running one on the day of its last progress', () => {
    const { days } = activityPerDay(
      [
        run({ finishedAt: '2025-06-13T23:59:00.000Z', filesDone: 3, bytesDone: 300, filesFailed: 1 }),
        run({ finishedAt: '2025-06-13T01:00:00.000Z', filesDone: 2, bytesDone: 200 }),
        run({ status: 'running', finishedAt: null, updatedAt: '2025-06-14T09:30:00.000Z', filesDone: 5, bytesDone: 50 }),
        run({ finishedAt: '2025-05-31T23:00:00.000Z', filesDone: 99 }),
      ],
      NOW,
      4,
    );
    expect(days.find((d) => d.day === '2025-06-13')).toEqual({ day: '2025-06-13', filesDone: 5, filesFailed: 1, bytesDone: 500, runs: 2 });
    expect(days.find((d) => d.day === '2025-06-14')).toMatchObject({ filesDone: 5, bytesDone: 50, runs: 1 });
    expect(days.reduce((n, d) => n + d.filesDone, 0)).toBe(10);
  });
});

describe('instrument health', () => {
  const nightly = { cron: '0 2 * * *', timezone: 'UTC' };

  it('takes the earliest next start of enabled schedules and the newest failed run', () => {
    const [row] = instrumentHealth(
      [instrument('i1', { id: 'last', status: 'failed', phase: 'finished', createdAt: '2025-06-14T08:00:00.000Z', finishedAt: '2025-06-14T08:05:00.000Z' })],
      [
        { instrumentId: 'i1', enabled: true, ...nightly, nextRunTimes: ['2025-06-15T02:00:00.000Z', '2025-06-16T02:00:00.000Z'] },
        { instrumentId: 'i1', enabled: true, ...nightly, nextRunTimes: ['2025-06-14T12:00:00.000Z'] },
        { instrumentId: 'i1', enabled: false, ...nightly, nextRunTimes: ['2025-06-14T11:00:00.000Z'] },
        { instrumentId: 'i2', enabled: true, ...nightly, nextRunTimes: ['2025-06-14T10:30:00.000Z'] },
      ],
      [
        run({ id: 'newest', status: 'failed', error: 'share unreachable', finishedAt: '2025-06-14T08:05:00.000Z' }),
        run({ id: 'older', status: 'failed', filesFailed: 2, finishedAt: '2025-06-13T08:05:00.000Z' }),
      ],
      NOW,
    );
    expect(row).toMatchObject({
      nextRunAt: '2025-06-14T12:00:00.000Z',
      nextRunFromCron: false,
      schedules: 2,
      lastError: { runId: 'newest', message: 'share unreachable', at: '2025-06-14T08:05:00.000Z' },
    });
  });

  it('computes a next start from the cron expression, and says so, when Temporal gave none', () => {
    const [row] = instrumentHealth(
      [instrument('i1')],
      [{ instrumentId: 'i1', enabled: true, cron: '30 14 * * *', timezone: 'Europe/Berlin', nextRunTimes: null }],
      [run({ filesFailed: 0 })],
      NOW,
    );
    // 14:30 in Berlin on 14 June (summer time) is 12:30 UTC, after NOW (10:00 UTC).
    expect(row).toMatchObject({ nextRunAt: '2025-06-14T12:30:00.000Z', nextRunFromCron: true, lastError: null, lastRun: null });
  });

  it("prefers Temporal's earlier start over a later one computed from another schedule's cron", () => {
    const [row] = instrumentHealth(
      [instrument('i1')],
      [
        { instrumentId: 'i1', enabled: true, ...nightly, nextRunTimes: null },
        { instrumentId: 'i1', enabled: true, cron: '0 11 * * *', timezone: 'UTC', nextRunTimes: ['2025-06-14T11:00:00.000Z'] },
      ],
      [],
      NOW,
    );
    expect(row).toMatchObject({ nextRunAt: '2025-06-14T11:00:00.000Z', nextRunFromCron: false, schedules: 2 });
  });

  it('has no next start when Temporal plans none and the cron never matches a date', () => {
    const [row] = instrumentHealth([instrument('i1')], [{ instrumentId: 'i1', enabled: true, cron: '0 0 30 2 *', timezone: 'UTC', nextRunTimes: null }], [], NOW);
    expect(row).toMatchObject({ nextRunAt: null, nextRunFromCron: false, schedules: 1 });
  });
});

describe('planned starts of a schedule', () => {
  const live = { enabled: true, synced: true, deletedAt: null };

  it('are Temporal\'s answer when it gave one', () => {
    expect(plannedStarts(live, ['2025-06-14T12:00:00.000Z'])).toEqual(['2025-06-14T12:00:00.000Z']);
  });

  it('are unknown, not none, when a live schedule came back without any (Temporal did not answer)', () => {
    expect(plannedStarts(live, [])).toBeNull();
  });

  it('are none for a paused, unsynced or deleted schedule', () => {
    expect(plannedStarts({ ...live, enabled: false }, [])).toEqual([]);
    expect(plannedStarts({ ...live, synced: false }, [])).toEqual([]);
    expect(plannedStarts({ ...live, deletedAt: '2025-06-01T00:00:00.000Z' }, [])).toEqual([]);
  });
});

describe("each instrument's last error of the window", () => {
  const failedOnI1 = run({ id: 'f1', instrumentId: 'i1', status: 'failed' });
  const succeededOnI2 = run({ id: 's2', instrumentId: 'i2' });
  const instruments = [{ id: 'i1' }, { id: 'i2' }, { id: 'i3' }];

  it("comes from the window's runs alone when they are all of its runs", async () => {
    const asked = jest.fn(async () => undefined);
    await expect(windowFailures(instruments, { runs: [failedOnI1, succeededOnI2], total: 2 }, asked)).resolves.toEqual([failedOnI1]);
    expect(asked).not.toHaveBeenCalled();
  });

  it('is asked for, per instrument without one among them, when the cap cut the window short', async () => {
    // i2 failed 3 days ago, beyond the newest runs the charts read.
    const older = run({ id: 'f2', instrumentId: 'i2', status: 'failed', createdAt: '2025-06-11T09:00:00.000Z' });
    const asked = jest.fn(async (instrumentId: string) => (instrumentId === 'i2' ? older : undefined));
    const failed = await windowFailures(instruments, { runs: [failedOnI1, succeededOnI2], total: 5000 }, asked);
    expect(asked.mock.calls).toEqual([['i2'], ['i3']]);
    expect(instrumentHealth([instrument('i2')], [], failed, NOW)[0].lastError).toEqual({ runId: 'f2', at: older.updatedAt, message: '0 file(s) failed' });
  });
});
