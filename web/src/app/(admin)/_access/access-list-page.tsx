import Link from 'next/link';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { FilterActions } from '@/components/filter-fields';
import { ListFilterForm, ListToolbar } from '@/components/list-controls';
import { ListViewSwitch } from '@/components/list-view-switch';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { RestoreButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { formatDateTime, offsetParam, param } from '@/lib/format';

import { ACCESS_TEXT, countLabel, type AccessKind } from './access-data';
import { NewNamedButton } from './named-dialogs';

const LIMIT = 50;

/** The groups or projects list: search by name, current or deleted (with restore), create. */
export async function AccessListPage({ kind, searchParams }: { kind: AccessKind; searchParams: Record<string, string | string[] | undefined> }) {
  const text = ACCESS_TEXT[kind];
  const q = param(searchParams, 'q');
  const deleted = param(searchParams, 'deleted') === '1';
  const offset = offsetParam(searchParams);
  const query = { q: q || undefined, deleted: deleted || undefined, limit: LIMIT, offset };
  const page = kind === 'group' ? await load('listGroups', { query }) : await load('listProjects', { query });

  return (
    <>
      <PageHeader title={text.titlePlural} subtitle={text.intro} actions={<NewNamedButton kind={kind} />} />
      <ListToolbar>
        <ListFilterForm action={text.path} label={`Search ${text.plural}`} deleted={deleted}>
          <TextField name="q" label="Search by name" size="small" defaultValue={q} />
          <FilterActions submitLabel="Search" clearHref={deleted ? `${text.path}?deleted=1` : text.path} filtered={Boolean(q)} />
        </ListFilterForm>
        <ListViewSwitch basePath={text.path} deleted={deleted} label={`Which ${text.plural}`} />
      </ListToolbar>
      {page.items.length === 0 ? (
        <EmptyState
          message={q ? `No ${text.singular} matches this search.` : deleted ? `No deleted ${text.plural}.` : `No ${text.plural} yet. Create one, add members, then grant it instruments.`}
        />
      ) : (
        <DataTable label={deleted ? `Deleted ${text.plural}` : text.titlePlural} columns={['Name', 'Description', { label: 'Members', align: 'right' }, deleted ? 'Deleted' : 'Updated', deleted && { label: 'Actions', align: 'right' }]}>
          {page.items.map((item) => (
            <TableRow key={item.id}>
              <TableCell>
                <MuiLink component={Link} href={`${text.path}/${item.id}`} sx={{ fontWeight: 600 }}>
                  {item.name}
                </MuiLink>
              </TableCell>
              <TableCell sx={{ color: 'text.secondary' }}>{item.description || '—'}</TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                {countLabel(item.memberCount, 'member')}
              </TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(deleted ? item.deletedAt : item.updatedAt)}</TableCell>
              {deleted && (
                <TableCell align="right">
                  <RestoreButton operation={kind === 'group' ? 'restoreGroup' : 'restoreProject'} id={item.id} size="small" accessibleName={`Restore ${item.name}`} />
                </TableCell>
              )}
            </TableRow>
          ))}
        </DataTable>
      )}
      <Pager basePath={text.path} params={{ q, ...(deleted ? { deleted: '1' } : {}) }} total={page.total} limit={page.limit} offset={page.offset} />
    </>
  );
}
