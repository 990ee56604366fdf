'use client';

import Link from 'next/link';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import MuiLink from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';

import { EmptyState } from '@/components/empty-state';
import { ProgressLine } from '@/components/progress-line';
import { StatusChip } from '@/components/status-chip';
import { formatBytes, formatCount, formatDateTime } from '@/lib/format';
import { usePolling } from '@/lib/use-polling';

import { runsInProgressAnnouncement, runsNotListed, type RunsInProgress } from './runs-in-progress';

/** Read by screen readers only. */
const VISUALLY_HIDDEN = {
  position: 'absolute',
  width: '1px',
  height: '1px',
  margin: '-1px',
  padding: 0,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
  border: 0,
} as const;

/**
 * Runs in progress with live files/bytes bars, refreshed every 2 s from /bff/runs-in-progress. Only runs
 * starting and ending are announced (a polite status line), and the warning when updates stop
 * (an alert): not every run's counts on every refresh. Beyond the first page of a status, a line
 * says how many there are and links to the runs list filtered to it.
 */
export function ActiveRuns({ initial }: { initial: RunsInProgress }) {
  const { data, stale } = usePolling('/bff/runs-in-progress', initial, true);
  const { runs, counts } = data;
  return (
    <Box>
      <Box role="status" sx={VISUALLY_HIDDEN}>
        {runsInProgressAnnouncement(runs, counts)}
      </Box>
      {stale && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          Live updates are paused: the portal cannot reach the API. Retrying…
        </Alert>
      )}
      {runs.length === 0 ? (
        <EmptyState message="No harvest is running right now." />
      ) : (
        <Stack spacing={2}>
          {runs.map((run) => (
            <Paper key={run.id} variant="outlined" sx={{ p: 2 }}>
              <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, mb: 1.5, flexWrap: 'wrap' }}>
                <MuiLink component={Link} href={`/runs/${run.id}`} sx={{ fontWeight: 600 }}>
                  {run.instrumentName}
                </MuiLink>
                <StatusChip status={run.status} />
                <Typography variant="body2" color="text.secondary">
                  {run.phase} · started {formatDateTime(run.startedAt ?? run.createdAt)}
                </Typography>
              </Box>
              <ProgressLine
                label="Files"
                done={run.filesDone}
                total={run.filesTotal}
                text={`${formatCount(run.filesDone)} / ${formatCount(run.filesTotal)}`}
              />
              <ProgressLine
                label="Bytes"
                done={run.bytesDone}
                total={run.bytesTotal}
                text={`${formatBytes(run.bytesDone)} / ${formatBytes(run.bytesTotal)}`}
              />
            </Paper>
          ))}
        </Stack>
      )}
      {runsNotListed(data.counts).map(({ text, href, label }) => (
        <Typography key={href} variant="body2" color="text.secondary" sx={{ mt: 1 }}>
          {text}{' '}
          <MuiLink component={Link} href={href}>
            {label}
          </MuiLink>
        </Typography>
      ))}
    </Box>
  );
}
