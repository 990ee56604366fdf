import type { Metadata } from 'next';
import Link from 'next/link';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MuiLink from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';

import { EmptyState } from '@/components/empty-state';
import { ListViewSwitch } from '@/components/list-view-switch';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { RestoreButton } from '@/components/resource-actions';
import { StatusChip } from '@/components/status-chip';
import { load } from '@/lib/api';
import { requireCurrentUser } from '@/lib/current-user';
import { formatDateTime, offsetParam, param } from '@/lib/format';

import { SOURCE_TYPE_LABELS } from './source-types';

export const metadata: Metadata = { title: 'Instruments' };

const LIMIT = 50;

export default async function InstrumentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const q = param(params, 'q');
  const offset = offsetParam(params);
  const current = await requireCurrentUser();
  const admin = current.kind === 'signed-in' && current.user.role === 'admin';
  const deleted = admin && param(params, 'deleted') === '1';
  const page = await load('listInstruments', { query: { q: q || undefined, deleted: deleted || undefined, limit: LIMIT, offset } });

  return (
    <>
      <PageHeader
        title="Instruments"
        subtitle="Sources Sheaf harvests from."
        actions={
          admin && (
            <Button component={Link} href="/instruments/new" variant="contained">
              New instrument
            </Button>
          )
        }
      />
      <Box sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 2, mb: 2 }}>
        <Box component="form" action="/instruments" role="search" sx={{ display: 'flex', gap: 1, flexGrow: 1, maxWidth: 480 }}>
          {deleted && <input type="hidden" name="deleted" value="1" />}
          <TextField name="q" label="Search by name" size="small" defaultValue={q} />
          <Button type="submit" variant="outlined">
            Search
          </Button>
        </Box>
        {admin && <ListViewSwitch basePath="/instruments" deleted={deleted} label="Which instruments" />}
      </Box>
      {page.items.length === 0 ? (
        <EmptyState message={q ? 'No instrument matches this search.' : deleted ? 'No deleted instruments.' : admin ? 'No instruments yet. Create one to start harvesting.' : 'No instruments yet.'} />
      ) : (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" aria-label="Instruments">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Location</TableCell>
                <TableCell>Source</TableCell>
                <TableCell>Destinations</TableCell>
                <TableCell>{deleted ? 'Deleted' : 'Last run'}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {page.items.map((instrument) => (
                <TableRow key={instrument.id}>
                  <TableCell>
                    <MuiLink component={Link} href={`/instruments/${instrument.id}`} sx={{ fontWeight: 600 }}>
                      {instrument.name}
                    </MuiLink>
                    {!instrument.enabled && ' (disabled)'}
                  </TableCell>
                  <TableCell>{instrument.location || '—'}</TableCell>
                  <TableCell>{SOURCE_TYPE_LABELS[instrument.sourceType]}</TableCell>
                  <TableCell>{instrument.destinations.map((d) => d.storageLocationName).join(', ') || '—'}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    {deleted ? (
                      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
                        <span>{formatDateTime(instrument.deletedAt)}</span>
                        <RestoreButton operation="restoreInstrument" id={instrument.id} size="small" accessibleName={`Restore ${instrument.name}`} />
                      </Box>
                    ) : instrument.lastRun ? (
                      <>
                        <StatusChip status={instrument.lastRun.status} /> {formatDateTime(instrument.lastRun.createdAt)}
                      </>
                    ) : (
                      'Never run'
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      <Pager basePath="/instruments" params={{ q, ...(deleted ? { deleted: '1' } : {}) }} total={page.total} limit={page.limit} offset={page.offset} />
    </>
  );
}
