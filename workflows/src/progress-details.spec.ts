import type { HarvestProgress } from './definitions';
import { progressDetails } from './progress-details';

const progress: HarvestProgress = {
  phase: 'transferring',
  filesTotal: 1_250_000,
  bytesTotal: 3_400_000_000_000,
  filesDone: 730_000,
  bytesDone: 1_900_000_000_000,
  filesFailed: 12,
  filesSkipped: 4_000,
  filesHeld: 3,
  filesDeferred: 9,
  batchesTotal: 1_250,
  batchesDone: 742,
};

describe('progressDetails', () => {
  it('says in three paragraphs where a run is: phase and batches, files and bytes, and what did not go through', () => {
    expect(progressDetails(progress)).toBe(
      '**transferring** · 742 of 1,250 batches done\n\n730,000 of 1,250,000 files verified · 1.9 TB of 3.4 TB\n\nfailed 12 · held 3 · skipped 4,000 · deferred 9',
    );
  });

  it('says how and where a run that stopped early ended', () => {
    expect(progressDetails(progress, 'cancelled').split('\n\n')[0]).toBe('**cancelled while transferring** · 742 of 1,250 batches done');
    expect(progressDetails({ ...progress, phase: 'discovering' }, 'failed').split('\n\n')[0]).toBe('**failed while discovering** · 742 of 1,250 batches done');
  });

  it('says that more batches are still being planned while discovery runs', () => {
    expect(progressDetails({ ...progress, phase: 'discovering', batchesDone: 2, batchesTotal: 5 }).split('\n\n')[0]).toBe(
      '**discovering** · 2 of 5 batches done (the listing is still being planned)',
    );
  });
});
