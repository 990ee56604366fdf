import type { Metadata } from 'next';
import Link from 'next/link';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { ListFilterForm, ListToolbar } from '@/components/list-controls';
import { FilterActions, NativeSelect } from '@/components/filter-fields';
import { ListViewSwitch } from '@/components/list-view-switch';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { ConfirmedActionButton, RestoreButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { requireCurrentUser } from '@/lib/current-user';
import { formatDateTime, offsetParam, oneOf, param } from '@/lib/format';

import { EditUserButton, NewUserButton } from './user-dialogs';
import { ROLE_LABELS, ROLES, USER_STATE_LABELS, userState } from './users-data';

export const metadata: Metadata = { title: 'Users' };

const LIMIT = 50;
const STATES = ['active', 'disabled'] as const;

/** Admin only: the API answers users 403, which shows as "not found". */
export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const filters = { q: param(params, 'q'), role: param(params, 'role'), state: param(params, 'state') };
  const deleted = param(params, 'deleted') === '1';
  const offset = offsetParam(params);
  const state = oneOf(filters.state, STATES);
  const [current, page] = await Promise.all([
    requireCurrentUser(),
    load('listUsers', {
      query: {
        q: filters.q || undefined,
        role: oneOf(filters.role, ROLES),
        disabled: state === undefined ? undefined : state === 'disabled',
        deleted: deleted || undefined,
        limit: LIMIT,
        offset,
      },
    }),
  ]);
  const selfId = current.kind === 'signed-in' ? current.user.id : '';
  const filtered = Object.values(filters).some(Boolean);

  return (
    <>
      <PageHeader title="Users" subtitle="People who sign in to Sheaf. Access to instruments comes through groups and projects." actions={<NewUserButton />} />
      <ListToolbar>
        <ListFilterForm action="/users" label="Filter users" deleted={deleted} columns="2fr 1fr 1fr auto">
          <TextField name="q" label="Search by name or email" size="small" defaultValue={filters.q} />
          <NativeSelect name="role" label="Role" value={filters.role}>
            <option value="">Any role</option>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </NativeSelect>
          <NativeSelect name="state" label="State" value={filters.state}>
            <option value="">Any state</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {USER_STATE_LABELS[s]}
              </option>
            ))}
          </NativeSelect>
          <FilterActions submitLabel="Search" clearHref={deleted ? '/users?deleted=1' : '/users'} filtered={filtered} />
        </ListFilterForm>
        <ListViewSwitch basePath="/users" deleted={deleted} label="Which users" />
      </ListToolbar>
      {page.items.length === 0 ? (
        <EmptyState message={filtered ? 'No user matches these filters.' : deleted ? 'No deleted users.' : 'No users.'} />
      ) : (
        <DataTable label={deleted ? 'Deleted users' : 'Users'} columns={['Name', 'Email', 'Role', 'State', deleted ? 'Deleted' : 'Created', { label: 'Actions', align: 'right' }]}>
          {page.items.map((u) => {
            const self = u.id === selfId;
            const s = userState(u);
            return (
              <TableRow key={u.id}>
                <TableCell sx={{ fontWeight: 600 }}>
                  <MuiLink component={Link} href={`/users/${u.id}`}>
                    {u.displayName}
                  </MuiLink>
                  {self && <Chip label="you" size="small" variant="outlined" sx={{ ml: 1 }} />}
                </TableCell>
                <TableCell sx={{ overflowWrap: 'anywhere' }}>{u.email}</TableCell>
                <TableCell>{ROLE_LABELS[u.role]}</TableCell>
                <TableCell>
                  <Chip label={USER_STATE_LABELS[s]} size="small" variant="outlined" color={s === 'active' ? 'success' : s === 'disabled' ? 'warning' : 'default'} />
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(deleted ? u.deletedAt : u.createdAt)}</TableCell>
                <TableCell align="right">
                  <Box sx={{ display: 'inline-flex', gap: 1 }}>
                    {deleted ? (
                      <RestoreButton operation="restoreUser" id={u.id} size="small" accessibleName={`Restore ${u.displayName}`} />
                    ) : (
                      <>
                        <EditUserButton user={u} self={self} />
                        <ConfirmedActionButton
                          operation="deleteUser"
                          id={u.id}
                          label="Delete"
                          title={`Delete ${u.displayName}?`}
                          confirmLabel="Delete"
                          destructive
                          message={`${u.email} can no longer sign in; their sessions end and their API tokens are revoked. You can restore the user later from the Deleted view, without their tokens.`}
                          buttonProps={{
                            size: 'small',
                            disabled: self,
                            'aria-label': self ? 'You cannot delete your own account' : `Delete ${u.displayName}`,
                          }}
                        />
                      </>
                    )}
                  </Box>
                </TableCell>
              </TableRow>
            );
          })}
        </DataTable>
      )}
      <Pager basePath="/users" params={{ ...filters, ...(deleted ? { deleted: '1' } : {}) }} total={page.total} limit={page.limit} offset={page.offset} />
    </>
  );
}
