import type { Metadata } from 'next';
import Link from 'next/link';
import Box from '@mui/material/Box';
import MuiLink from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';

import { EmptyState } from '@/components/empty-state';
import { PageHeader, Section } from '@/components/page-header';
import { StatusChip } from '@/components/status-chip';
import { load } from '@/lib/api';
import { formatCount, formatDateTime } from '@/lib/format';

import { HarvestNowButton } from '../harvest-now-button';

export const metadata: Metadata = { title: 'Instrument' };

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary" component="div">
        {label}
      </Typography>
      <Typography variant="body2" component="div" sx={{ overflowWrap: 'anywhere' }}>
        {children}
      </Typography>
    </Box>
  );
}

export default async function InstrumentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [instrument, schedules, runs] = await Promise.all([
    load('getInstrument', { path: { id } }),
    load('listSchedules', { query: { instrumentId: id, limit: 50 } }),
    load('listHarvests', { query: { instrumentId: id, limit: 10 } }),
  ]);
  const sourcePath = Object.entries(instrument.sourceConfig)
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(', ');

  return (
    <>
      <PageHeader
        title={instrument.name}
        subtitle={instrument.description || instrument.location || undefined}
        actions={<HarvestNowButton instrumentId={instrument.id} disabled={!instrument.enabled} />}
      />
      <Paper variant="outlined" sx={{ p: 2, mb: 4, display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: 'repeat(3, 1fr)' } }}>
        <Fact label="Source">
          {instrument.sourceType} — {sourcePath || '—'}
        </Fact>
        <Fact label="Quiet period">{instrument.minAgeSeconds} s</Fact>
        <Fact label="Enabled">{instrument.enabled ? 'Yes' : 'No'}</Fact>
        <Fact label="Location">{instrument.location || '—'}</Fact>
        <Fact label="Visible to">{instrument.grants.map((g) => g.name).join(', ') || 'Admins only'}</Fact>
        <Fact label="Last run">
          {instrument.lastRun ? (
            <MuiLink component={Link} href={`/runs/${instrument.lastRun.id}`}>
              {instrument.lastRun.status}, {formatDateTime(instrument.lastRun.createdAt)}
            </MuiLink>
          ) : (
            'Never run'
          )}
        </Fact>
      </Paper>

      <Section title="Destinations">
        {instrument.destinations.length === 0 ? (
          <EmptyState message="No destinations: harvests have nowhere to copy to." />
        ) : (
          <TableContainer component={Paper} variant="outlined">
            <Table size="small" aria-label="Destinations">
              <TableHead>
                <TableRow>
                  <TableCell>Storage location</TableCell>
                  <TableCell>Type</TableCell>
                  <TableCell>Path template</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {instrument.destinations.map((d) => (
                  <TableRow key={d.storageLocationId}>
                    <TableCell>{d.storageLocationName}</TableCell>
                    <TableCell>{d.storageType}</TableCell>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{d.pathTemplate}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        )}
      </Section>

      <Section title="Schedules">
        {schedules.items.length === 0 ? (
          <EmptyState message="No schedules: this instrument is harvested on demand only." />
        ) : (
          <TableContainer component={Paper} variant="outlined">
            <Table size="small" aria-label="Schedules">
              <TableHead>
                <TableRow>
                  <TableCell>Cron</TableCell>
                  <TableCell>Time zone</TableCell>
                  <TableCell>State</TableCell>
                  <TableCell>Description</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {schedules.items.map((s) => (
                  <TableRow key={s.id}>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{s.cron}</TableCell>
                    <TableCell>{s.timezone}</TableCell>
                    <TableCell>
                      {s.enabled ? 'Active' : 'Paused'}
                      {!s.synced && ` · not synced${s.syncError ? `: ${s.syncError}` : ''}`}
                    </TableCell>
                    <TableCell>{s.description || '—'}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        )}
      </Section>

      <Section
        title="Recent runs"
        actions={
          <MuiLink component={Link} href={`/runs?instrumentId=${instrument.id}`}>
            All runs
          </MuiLink>
        }
      >
        {runs.items.length === 0 ? (
          <EmptyState message="This instrument has not been harvested yet." />
        ) : (
          <TableContainer component={Paper} variant="outlined">
            <Table size="small" aria-label="Recent runs">
              <TableHead>
                <TableRow>
                  <TableCell>Started</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell>Trigger</TableCell>
                  <TableCell align="right">Files done / total</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {runs.items.map((run) => (
                  <TableRow key={run.id}>
                    <TableCell>
                      <MuiLink component={Link} href={`/runs/${run.id}`}>
                        {formatDateTime(run.startedAt ?? run.createdAt)}
                      </MuiLink>
                    </TableCell>
                    <TableCell>
                      <StatusChip status={run.status} />
                    </TableCell>
                    <TableCell>{run.trigger}</TableCell>
                    <TableCell align="right">
                      {formatCount(run.filesDone)} / {formatCount(run.filesTotal)}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        )}
      </Section>
    </>
  );
}
