import type { Metadata } from 'next';
import Link from 'next/link';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { DeletedCellContent, ListToolbar, NameSearchForm, NewResourceLink } from '@/components/list-controls';
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
            <NewResourceLink href="/instruments/new">New instrument</NewResourceLink>
          )
        }
      />
      <ListToolbar>
        <NameSearchForm action="/instruments" label="Search by name" q={q} deleted={deleted} />
        {admin && <ListViewSwitch basePath="/instruments" deleted={deleted} label="Which instruments" />}
      </ListToolbar>
      {page.items.length === 0 ? (
        <EmptyState message={q ? 'No instrument matches this search.' : deleted ? 'No deleted instruments.' : admin ? 'No instruments yet. Create one to start harvesting.' : 'No instruments yet.'} />
      ) : (
        <DataTable label="Instruments" columns={['Name', 'Location', 'Source', 'Destinations', deleted ? 'Deleted' : 'Last run']}>
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
                  <DeletedCellContent
                    deletedAt={instrument.deletedAt}
                    restore={<RestoreButton operation="restoreInstrument" id={instrument.id} size="small" accessibleName={`Restore ${instrument.name}`} />}
                  />
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
        </DataTable>
      )}
      <Pager basePath="/instruments" params={{ q, ...(deleted ? { deleted: '1' } : {}) }} total={page.total} limit={page.limit} offset={page.offset} />
    </>
  );
}
