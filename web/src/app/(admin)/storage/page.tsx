import type { Metadata } from 'next';
import Link from 'next/link';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { instrumentCountLabel } from '@/components/config-fields';
import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { DeletedCellContent, ListToolbar, NameSearchForm, NewResourceLink } from '@/components/list-controls';
import { ListViewSwitch } from '@/components/list-view-switch';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { RestoreButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { offsetParam, param } from '@/lib/format';

import { describeStorage, STORAGE_TYPE_LABELS } from './storage-types';
import { StorageTestCell, TestAllButton, TestAllProvider } from './test-all';

export const metadata: Metadata = { title: 'Storage locations' };

const LIMIT = 50;

/** Admin only: the API answers users 403, which shows as "not found". */
export default async function StorageLocationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const q = param(params, 'q');
  const deleted = param(params, 'deleted') === '1';
  const offset = offsetParam(params);
  const page = await load('listStorageLocations', { query: { q: q || undefined, deleted: deleted || undefined, limit: LIMIT, offset } });

  return (
    <TestAllProvider>
      <PageHeader
        title="Storage locations"
        subtitle="Where harvested files are delivered."
        actions={
          <NewResourceLink href="/storage/new">New storage location</NewResourceLink>
        }
      />
      <ListToolbar>
        <NameSearchForm action="/storage" label="Search by name" q={q} deleted={deleted} />
        {!deleted && page.items.length > 1 && <TestAllButton />}
        <ListViewSwitch basePath="/storage" deleted={deleted} label="Which storage locations" />
      </ListToolbar>
      {page.items.length === 0 ? (
        <EmptyState
          message={q ? 'No storage location matches this search.' : deleted ? 'No deleted storage locations.' : 'No storage locations yet. Create one to give instruments a destination.'}
        />
      ) : (
        <DataTable label={deleted ? 'Deleted storage locations' : 'Storage locations'} columns={['Name', 'Type', 'Where', 'In use', { label: deleted ? 'Deleted' : 'Test status', width: '35%' }]}>
          {page.items.map((location) => (
            <TableRow key={location.id}>
              <TableCell>
                <MuiLink component={Link} href={`/storage/${location.id}`} sx={{ fontWeight: 600 }}>
                  {location.name}
                </MuiLink>
              </TableCell>
              <TableCell>{STORAGE_TYPE_LABELS[location.type]}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>{describeStorage(location)}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{instrumentCountLabel(location.instrumentCount)}</TableCell>
              <TableCell sx={{ minWidth: 200 }}>
                {deleted ? (
                  <DeletedCellContent
                    deletedAt={location.deletedAt}
                    restore={<RestoreButton operation="restoreStorageLocation" id={location.id} size="small" accessibleName={`Restore ${location.name}`} />}
                  />
                ) : (
                  <StorageTestCell id={location.id} name={location.name} />
                )}
              </TableCell>
            </TableRow>
          ))}
        </DataTable>
      )}
      <Pager basePath="/storage" params={{ q, ...(deleted ? { deleted: '1' } : {}) }} total={page.total} limit={page.limit} offset={page.offset} />
    </TestAllProvider>
  );
}
