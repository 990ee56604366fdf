import type { HarvestRunDto } from '../src/lib/api-types';
import { runsInProgress, runsInProgressAnnouncement, runsNotListed } from '../src/app/(admin)/runs/runs-in-progress';

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

describe('how many runs in progress the dashboard lists', () => {
  const run = (status: 'running' | 'pending', i: number) => ({ id: `${status}-${i}`, instrumentName: `instrument-${i}`, status }) as HarvestRunDto;
  const page = (status: 'running' | 'pending', shown: number, total: number) => ({ items: Array.from({ length: shown }, (_, i) => run(status, i)), total });

  it('says how many of how many for a status beyond its first page, and links to the runs list filtered to it', () => {
    const inProgress = runsInProgress(page('running', 3, 3), page('pending', 50, 120));
    expect(inProgress.runs).toHaveLength(53);
    expect(runsNotListed(inProgress.counts)).toEqual([{ text: 'Showing 50 of 120 pending.', href: '/runs?status=pending', label: 'See all pending harvests' }]);
    expect(runsNotListed(runsInProgress(page('running', 50, 51), page('pending', 50, 2000)).counts)).toEqual([
      { text: 'Showing 50 of 51 running.', href: '/runs?status=running', label: 'See all running harvests' },
      { text: 'Showing 50 of 2,000 pending.', href: '/runs?status=pending', label: 'See all pending harvests' },
    ]);
  });

  it('announces how many runs there are, saying how many of them are listed', () => {
    const inProgress = runsInProgress(page('running', 1, 1), page('pending', 2, 120));
    expect(runsInProgressAnnouncement(inProgress.runs, inProgress.counts)).toBe(
      '121 harvests in progress (3 listed): instrument-0 (running), instrument-0 (pending), instrument-1 (pending).',
    );
    const all = runsInProgress(page('running', 1, 1), page('pending', 1, 1));
    expect(runsInProgressAnnouncement(all.runs, all.counts)).toBe('2 harvests in progress: instrument-0 (running), instrument-0 (pending).');
  });

  it('says nothing when every run is listed', () => {
    expect(runsNotListed(runsInProgress(page('running', 50, 50), page('pending', 0, 0)).counts)).toEqual([]);
  });
});
