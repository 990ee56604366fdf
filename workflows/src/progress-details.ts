import { formatBytes, formatCount } from '@sheaf/contracts';
import type { HarvestProgress } from './definitions';

/**
 * A run's progress as the Temporal UI shows it on the workflow's page (its "current details",
 * Temporal markdown, under User Metadata): operators follow a run there at a glance, without
 * asking the progress query. Unlike search attributes, the details are no history event: they
 * follow every batch. `ended` says how a run that stopped early ended (its phase says where).
 */
export function progressDetails(p: HarvestProgress, ended?: 'cancelled' | 'failed'): string {
  const planning = p.phase === 'discovering' && !ended ? ' (the listing is still being planned)' : '';
  // Paragraphs: Temporal markdown runs the lines of one paragraph together.
  return [
    `**${ended ? `${ended} while ${p.phase}` : p.phase}** · ${formatCount(p.batchesDone)} of ${formatCount(p.batchesTotal)} batches done${planning}`,
    `${formatCount(p.filesDone)} of ${formatCount(p.filesTotal)} files verified · ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`,
    `failed ${formatCount(p.filesFailed)} · held ${formatCount(p.filesHeld)} · skipped ${formatCount(p.filesSkipped)} · deferred ${formatCount(p.filesDeferred)}`,
  ].join('\n\n');
}
