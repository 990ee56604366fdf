import type { Metadata } from 'next';
import Link from 'next/link';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { ConfirmedActionButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { formatDateTime, offsetParam } from '@/lib/format';

import { NewTokenButton } from './new-token-button';
import { SCOPE_LABELS, TOKEN_STATE_LABELS, tokenState } from './tokens-data';

export const metadata: Metadata = { title: 'API tokens' };

const LIMIT = 50;

/** The signed-in user's own API tokens (everyone has this page; the API lists only one's own). */
export default async function TokensPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const offset = offsetParam(await searchParams);
  const page = await load('listApiTokens', { query: { limit: LIMIT, offset } });
  const now = new Date();

  return (
    <>
      <Button component={Link} href="/account" size="small" sx={{ mb: 1 }}>
        ← Account
      </Button>
      <PageHeader
        title="API tokens"
        subtitle="For scripts and integrations that call the Sheaf API as you. A token is shown once, when it is created."
        actions={<NewTokenButton />}
      />
      {page.items.length === 0 ? (
        <EmptyState message="You have no API tokens." />
      ) : (
        <DataTable label="Your API tokens" columns={['Name', 'Starts with', 'Scope', 'State', 'Created', 'Last used', 'Expires', { label: 'Actions', align: 'right' }]} sx={{ '& th': { whiteSpace: 'nowrap' } }}>
          {page.items.map((token) => {
            const state = tokenState(token, now);
            return (
              <TableRow key={token.id} sx={state === 'active' ? undefined : { '& td': { color: 'text.secondary' } }}>
                <TableCell sx={{ fontWeight: 600 }}>{token.name}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', whiteSpace: 'nowrap' }}>{token.prefix}…</TableCell>
                <TableCell>{SCOPE_LABELS[token.scope]}</TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    variant="outlined"
                    label={TOKEN_STATE_LABELS[state]}
                    color={state === 'active' ? 'success' : state === 'expired' ? 'warning' : 'default'}
                  />
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(token.createdAt)}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : 'Never'}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  {state === 'revoked' ? `Revoked ${formatDateTime(token.revokedAt)}` : token.expiresAt ? formatDateTime(token.expiresAt) : 'Never'}
                </TableCell>
                <TableCell align="right">
                  {state === 'active' ? (
                    <ConfirmedActionButton
                      operation="revokeApiToken"
                      id={token.id}
                      label="Revoke"
                      title={`Revoke token “${token.name}”?`}
                      confirmLabel="Revoke"
                      destructive
                      message={`Anything using the token starting with ${token.prefix} stops working at once. This cannot be undone: create a new token if you need one.`}
                      buttonProps={{ size: 'small', 'aria-label': `Revoke ${token.name}` }}
                    />
                  ) : (
                    <Box component="span" sx={{ color: 'text.secondary' }}>
                      —
                    </Box>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </DataTable>
      )}
      <Pager basePath="/account/tokens" params={{}} total={page.total} limit={page.limit} offset={page.offset} />
    </>
  );
}
