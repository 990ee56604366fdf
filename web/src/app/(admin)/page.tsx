import type { Metadata } from 'next';
import Link from 'next/link';
import MuiLink from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';

import { EmptyState } from '@/components/empty-state';
import { PageHeader, Section } from '@/components/page-header';
import { StatusChip } from '@/components/status-chip';
import { load } from '@/lib/api';
import { requireCurrentUser } from '@/lib/current-user';
import { formatDateTime } from '@/lib/format';

import { ActiveRuns } from './runs/active-runs';

export const metadata: Metadata = { title: 'Dashboard' };

export default async function DashboardPage() {
  // Pages check for themselves too: a layout is not re-rendered on every navigation.
  const current = await requireCurrentUser();
  const name = current.kind === 'signed-in' ? current.user.displayName : '';

  const [running, pending, failures, instruments] = await Promise.all([
    load('listHarvests', { query: { status: 'running', limit: 50 } }),
    load('listHarvests', { query: { status: 'pending', limit: 50 } }),
    load('listHarvests', { query: { status: 'failed', limit: 5 } }),
    load('listInstruments', { query: { limit: 200 } }),
  ]);

  return (
    <>
      <PageHeader title="Dashboard" subtitle={name ? `Welcome, ${name}.` : undefined} />

      <Section title="Runs in progress">
        <ActiveRuns initial={[...running.items, ...pending.items]} />
      </Section>

      <Section title="Recent failures">
        {failures.items.length === 0 ? (
          <EmptyState message="No failed runs." />
        ) : (
          <TableContainer component={Paper} variant="outlined">
            <Table size="small" aria-label="Recent failures">
              <TableHead>
                <TableRow>
                  <TableCell>Instrument</TableCell>
                  <TableCell>Finished</TableCell>
                  <TableCell>Reason</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {failures.items.map((run) => (
                  <TableRow key={run.id}>
                    <TableCell>
                      <MuiLink component={Link} href={`/runs/${run.id}`}>
                        {run.instrumentName}
                      </MuiLink>
                    </TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(run.finishedAt)}</TableCell>
                    <TableCell sx={{ color: 'error.main' }}>
                      {run.error ?? `${run.filesFailed} file(s) failed`}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        )}
      </Section>

      <Section title="Instrument health">
        {instruments.items.length === 0 ? (
          <EmptyState message="No instruments yet." />
        ) : (
          <TableContainer component={Paper} variant="outlined">
            <Table size="small" aria-label="Instrument health">
              <TableHead>
                <TableRow>
                  <TableCell>Instrument</TableCell>
                  <TableCell>Enabled</TableCell>
                  <TableCell>Last run</TableCell>
                  <TableCell>Last run finished</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {instruments.items.map((instrument) => (
                  <TableRow key={instrument.id}>
                    <TableCell>
                      <MuiLink component={Link} href={`/instruments/${instrument.id}`}>
                        {instrument.name}
                      </MuiLink>
                    </TableCell>
                    <TableCell>{instrument.enabled ? 'Yes' : 'No'}</TableCell>
                    <TableCell>
                      {instrument.lastRun ? (
                        <MuiLink component={Link} href={`/runs/${instrument.lastRun.id}`} aria-label={`Last run: ${instrument.lastRun.status}`}>
                          <StatusChip status={instrument.lastRun.status} />
                        </MuiLink>
                      ) : (
                        'Never run'
                      )}
                    </TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(instrument.lastRun?.finishedAt)}</TableCell>
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
