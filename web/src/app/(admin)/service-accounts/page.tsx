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
import { formatDateTime, offsetParam, param } from '@/lib/format';

import { accountLogin } from './service-account-text';

export const metadata: Metadata = { title: 'Service accounts' };

const LIMIT = 50;

/** Admin only: the API answers users 403, which shows as "not found". */
export default async function ServiceAccountsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const q = param(params, 'q');
  const deleted = param(params, 'deleted') === '1';
  const offset = offsetParam(params);
  const page = await load('listServiceAccounts', { query: { q: q || undefined, deleted: deleted || undefined, limit: LIMIT, offset } });

  return (
    <>
      <PageHeader
        title="Service accounts"
        subtitle="Credentials for instruments’ SMB shares."
        actions={
          <NewResourceLink href="/service-accounts/new">New service account</NewResourceLink>
        }
      />
      <ListToolbar>
        <NameSearchForm action="/service-accounts" label="Search by name or username" q={q} deleted={deleted} />
        <ListViewSwitch basePath="/service-accounts" deleted={deleted} label="Which service accounts" />
      </ListToolbar>
      {page.items.length === 0 ? (
        <EmptyState
          message={q ? 'No service account matches this search.' : deleted ? 'No deleted service accounts.' : 'No service accounts yet. SMB sources need one.'}
        />
      ) : (
        <DataTable label={deleted ? 'Deleted service accounts' : 'Service accounts'} columns={['Name', 'Signs in as', 'Password', 'In use', deleted ? 'Deleted' : 'Updated']}>
          {page.items.map((account) => (
            <TableRow key={account.id}>
              <TableCell>
                <MuiLink component={Link} href={`/service-accounts/${account.id}`} sx={{ fontWeight: 600 }}>
                  {account.name}
                </MuiLink>
              </TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }}>{accountLogin(account)}</TableCell>
              <TableCell>{account.hasPassword ? 'Stored' : 'Missing'}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{instrumentCountLabel(account.instrumentCount)}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>
                {deleted ? (
                  <DeletedCellContent
                    deletedAt={account.deletedAt}
                    restore={<RestoreButton operation="restoreServiceAccount" id={account.id} size="small" accessibleName={`Restore ${account.name}`} />}
                  />
                ) : (
                  formatDateTime(account.updatedAt)
                )}
              </TableCell>
            </TableRow>
          ))}
        </DataTable>
      )}
      <Pager basePath="/service-accounts" params={{ q, ...(deleted ? { deleted: '1' } : {}) }} total={page.total} limit={page.limit} offset={page.offset} />
    </>
  );
}
