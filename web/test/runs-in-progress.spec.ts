import type { HarvestRunDto } from '../src/lib/api-types';
import { runsInProgressAnnouncement } from '../src/app/(admin)/runs/runs-in-progress';

type Run = Pick<HarvestRunDto, 'instrumentName' | 'status' | 'filesDone'>;

describe('what the runs in progress announce', () => {
  const krios: Run = { instrumentName: 'krios-1', status: 'running', filesDone: 10 };
  const talos: Run = { instrumentName: 'talos', status: 'pending', filesDone: 0 };

  it('names the runs, not their progress: a refresh that only moves the counts announces nothing new', () => {
    expect(runsInProgressAnnouncement([krios, talos])).toBe('2 harvests in progress: krios-1 (running), talos (pending).');
    const moved: Run[] = [{ ...krios, filesDone: 500 }, talos];
    expect(runsInProgressAnnouncement(moved)).toBe(runsInProgressAnnouncement([krios, talos]));
  });

  it('changes when a run starts or ends', () => {
    expect(runsInProgressAnnouncement([krios])).toBe('1 harvest in progress: krios-1 (running).');
    const started: Run[] = [{ ...talos, status: 'running' }, krios];
    expect(runsInProgressAnnouncement(started)).not.toBe(runsInProgressAnnouncement([talos, krios]));
    expect(runsInProgressAnnouncement([])).toBe('No harvest is running right now.');
  });
});
