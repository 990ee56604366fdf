import { copyAttempts, futureFilesWarning, listedCount, noFailuresMessage, owedNothing, transfersRefreshDelay } from '../src/app/(admin)/runs/[id]/run-data';

describe('owedNothing', () => {
  it('says a destination was owed nothing only once planning is over and the run took files', () => {
    expect(owedNothing({ filesTotal: 41, phase: 'finished' }, { filesTotal: 0 })).toBe(true);
    expect(owedNothing({ filesTotal: 41, phase: 'transferring' }, { filesTotal: 0 })).toBe(true);
    // Still planning: the destination's total may grow.
    expect(owedNothing({ filesTotal: 41, phase: 'discovering' }, { filesTotal: 0 })).toBe(false);
    // A run that took nothing owed nothing to anyone: its plain 0 / 0 says so.
    expect(owedNothing({ filesTotal: 0, phase: 'finished' }, { filesTotal: 0 })).toBe(false);
    expect(owedNothing({ filesTotal: 41, phase: 'finished' }, { filesTotal: 41 })).toBe(false);
  });
});

describe('listedCount', () => {
  it('counts the failed, held and deferred files the run lists, not those the listing found in their quiet period', () => {
    expect(listedCount({ filesFailed: 3, filesHeld: 2, filesDeferred: 7, filesInQuietPeriod: 5 })).toBe(7);
    expect(listedCount({ filesFailed: 0, filesHeld: 0, filesDeferred: 4, filesInQuietPeriod: 4 })).toBe(0);
  });
});

describe('noFailuresMessage', () => {
  const none = { filesFailed: 0, filesHeld: 0, filesDeferred: 0, filesInQuietPeriod: 0 };
  it('says a finished run that counted failures has none left, rather than none', () => {
    const left = 'None left: later runs have dealt with the files this run failed, held or deferred.';
    expect(noFailuresMessage({ ...none, filesFailed: 1, phase: 'finished' })).toBe(left);
    expect(noFailuresMessage({ ...none, filesHeld: 2, phase: 'finished' })).toBe(left);
    expect(noFailuresMessage({ ...none, filesDeferred: 3, filesInQuietPeriod: 1, phase: 'finished' })).toBe(left);
    expect(noFailuresMessage({ ...none, phase: 'finished' })).toBe('No failed, held or deferred files.');
    // Files in their quiet period are counted, never listed.
    expect(noFailuresMessage({ ...none, filesDeferred: 3, filesInQuietPeriod: 3, phase: 'finished' })).toBe('No failed, held or deferred files.');
    // While the run goes on, its counts and its list move together.
    expect(noFailuresMessage({ ...none, filesFailed: 1, phase: 'transferring' })).toBe('No failed, held or deferred files.');
  });
});

describe('futureFilesWarning', () => {
  it('says how many new files carry a modification time in the future, and the latest', () => {
    expect(futureFilesWarning({ filesInFuture: 0, latestFutureMtime: null })).toBeUndefined();
    expect(futureFilesWarning({ filesInFuture: 1200, latestFutureMtime: '2027-01-02T03:04:05.000Z' })).toBe(
      "1,200 new files are modified in the future (latest 2 Jan 2027, 03:04:05 UTC): the instrument's clock is probably ahead. " +
        'They are deferred until that time and the quiet period have passed.',
    );
    expect(futureFilesWarning({ filesInFuture: 1, latestFutureMtime: '2027-01-02T03:04:05.000Z' })).toMatch(/^1 new file is modified in the future/);
  });
});

describe('copyAttempts', () => {
  it('counts the attempts at every destination, verified or not: the rows of the per-file table', () => {
    expect(copyAttempts({ destinations: [] })).toBe(0);
    const destination = { storageLocationId: 's', name: 'Archive', type: 'posix' as const, bytesVerified: 0, filesTotal: 9 };
    expect(
      copyAttempts({
        destinations: [
          { ...destination, filesVerified: 4, attemptsFailed: 1 },
          { ...destination, storageLocationId: 't', filesVerified: 2, attemptsFailed: 0 },
        ],
      }),
    ).toBe(7);
  });
});

describe('transfersRefreshDelay', () => {
  it('waits for nothing while the table shows every attempt the run counts', () => {
    expect(transfersRefreshDelay(7, 7, 60_000, true)).toBeUndefined();
  });

  it('re-renders at most every 10 s after the table was rendered', () => {
    expect(transfersRefreshDelay(7, 9, 2_000, true)).toBe(8_000);
    expect(transfersRefreshDelay(7, 9, 10_000, true)).toBe(0);
    expect(transfersRefreshDelay(0, 3, 45_000, true)).toBe(0);
  });

  it('leaves a later page of the table as it is, so its rows do not shift under the reader', () => {
    expect(transfersRefreshDelay(7, 9, 2_000, false)).toBeUndefined();
    expect(transfersRefreshDelay(0, 3, 45_000, false)).toBeUndefined();
  });
});
