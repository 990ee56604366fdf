'use client';

import { useEffect, useRef } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';

import { EmptyState } from '@/components/empty-state';
import { Section } from '@/components/page-header';
import { ProgressLine } from '@/components/progress-line';
import { ConfirmedActionButton } from '@/components/resource-actions';
import { StatusChip } from '@/components/status-chip';
import type { HarvestRunDetailDto } from '@/lib/api-types';
import { formatBytes, formatCount, formatDateTime } from '@/lib/format';
import { usePolling } from '@/lib/use-polling';

import { FailuresTable } from './failures-table';
import { copyAttempts, futureFilesWarning, listedCount, noFailuresMessage, owedNothing, transfersRefreshDelay } from './run-data';

const ACTIVE = new Set(['pending', 'running']);

/**
 * The live part of a run page: status, overall and per-destination progress, failures, cancel.
 * `transfersFirstPage`: the page's per-file table shows its first page, the one that follows the run.
 */
export function RunLive({ initial, transfersFirstPage }: { initial: HarvestRunDetailDto; transfersFirstPage: boolean }) {
  const router = useRouter();
  // Polls while the server-rendered run is active; the refresh below brings the finished run and stops it.
  const renderedActive = ACTIVE.has(initial.status);
  const { data: run, stale, gone } = usePolling(`/bff/runs/${initial.id}`, initial, renderedActive);
  const active = ACTIVE.has(run.status);

  // The run ended while the page was open: re-render the server part (transfers, totals) once.
  useEffect(() => {
    if (renderedActive && !active) router.refresh();
  }, [renderedActive, active, router]);

  // While it copies, the per-file table (server-rendered with `initial`) follows its progress on
  // its first page: re-rendered when the run counts attempts it does not show, at most every 10 s.
  const renderedAt = useRef(0);
  useEffect(() => {
    renderedAt.current = Date.now();
  }, [initial]);
  const shownAttempts = copyAttempts(initial);
  const latestAttempts = copyAttempts(run);
  useEffect(() => {
    if (!active) return;
    const delay = transfersRefreshDelay(shownAttempts, latestAttempts, Date.now() - renderedAt.current, transfersFirstPage);
    if (delay === undefined) return;
    const timer = setTimeout(() => {
      // Counts as rendered from now: polls meanwhile do not ask again before the new page is in.
      renderedAt.current = Date.now();
      router.refresh();
    }, delay);
    return () => clearTimeout(timer);
  }, [active, shownAttempts, latestAttempts, transfersFirstPage, router]);

  return (
    <>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap', mb: 3 }} aria-live="polite">
        <StatusChip status={run.status} />
        <Typography variant="body2" color="text.secondary">
          Phase {run.phase} · {run.trigger} · started {formatDateTime(run.startedAt ?? run.createdAt)}
          {run.finishedAt && ` · finished ${formatDateTime(run.finishedAt)}`}
        </Typography>
        <Box sx={{ flexGrow: 1 }} />
        {run.temporalUrl && (
          <Button href={run.temporalUrl} target="_blank" rel="noopener noreferrer" variant="text">
            Open in Temporal UI
          </Button>
        )}
        {active && !gone && (
          <ConfirmedActionButton
            operation="cancelHarvest"
            id={run.id}
            label="Cancel run"
            title={`Cancel this run of ${run.instrumentName}?`}
            confirmLabel="Cancel run"
            dismissLabel="Keep running"
            destructive
            message="It stops copying. Files already copied and verified stay; the rest wait for the next run."
          />
        )}
      </Box>
      {gone && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          Live updates have stopped: this run is no longer visible to you (its instrument was deleted, or your access to it
          was removed). What is shown is as it was last read.
        </Alert>
      )}
      {stale && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          Live updates are paused: the portal cannot reach the API. Retrying…
        </Alert>
      )}
      {run.error && (
        // Only a failed run's reason is an error; a cancelled or skipped run's says why it stopped.
        <Alert severity={run.status === 'failed' ? 'error' : 'info'} sx={{ mb: 3 }}>
          {run.error}
        </Alert>
      )}

      {futureFilesWarning(run) && (
        <Alert severity="warning" sx={{ mb: 3 }}>
          {futureFilesWarning(run)}
        </Alert>
      )}

      <Section title="Progress">
        <Paper variant="outlined" sx={{ p: 2 }}>
          <ProgressLine label="Files" done={run.filesDone} total={run.filesTotal} text={`${formatCount(run.filesDone)} / ${formatCount(run.filesTotal)}`} />
          <ProgressLine label="Bytes" done={run.bytesDone} total={run.bytesTotal} text={`${formatBytes(run.bytesDone)} / ${formatBytes(run.bytesTotal)}`} />
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            Discovered {formatCount(run.filesDiscovered)} files ({formatBytes(run.bytesDiscovered)}) · failed {formatCount(run.filesFailed)} · held{' '}
            {formatCount(run.filesHeld)} · skipped {formatCount(run.filesSkipped)} · deferred {formatCount(run.filesDeferred)}
            {run.filesInQuietPeriod > 0 && ` (${formatCount(run.filesInQuietPeriod)} in their quiet period)`} · batches{' '}
            {run.batchesDone}/{run.batchesTotal}
          </Typography>
        </Paper>
      </Section>

      <Section title="Destinations">
        {run.destinations.length === 0 ? (
          <EmptyState message="Nothing delivered yet." />
        ) : (
          <Paper variant="outlined" sx={{ p: 2 }}>
            {run.destinations.map((d) => (
              <Box key={d.storageLocationId} sx={{ mb: 1.5 }}>
                {owedNothing(run, d) ? (
                  <Box sx={{ display: 'flex', justifyContent: 'space-between', gap: 2 }}>
                    <Typography variant="body2">{`${d.name} (${d.type})`}</Typography>
                    <Typography variant="body2" color="text.secondary">
                      nothing to deliver: it held verified copies of this run&apos;s files already
                    </Typography>
                  </Box>
                ) : (
                  <ProgressLine
                    label={`${d.name} (${d.type})`}
                    done={d.filesVerified}
                    total={d.filesTotal}
                    text={`${formatCount(d.filesVerified)} / ${formatCount(d.filesTotal)} verified, ${formatBytes(d.bytesVerified)}${d.attemptsFailed ? `, ${d.attemptsFailed} failed attempts` : ''}`}
                  />
                )}
              </Box>
            ))}
          </Paper>
        )}
      </Section>

      <Section
        title="Failed, held and deferred files"
        actions={
          listedCount(run) > run.failures.length && (
            <Button component={Link} href={`/runs/${run.id}/failures`} size="small">
              {`Show all ${formatCount(listedCount(run))}`}
            </Button>
          )
        }
      >
        {run.failures.length === 0 ? <EmptyState message={noFailuresMessage(run)} /> : <FailuresTable failures={run.failures} />}
      </Section>
    </>
  );
}
