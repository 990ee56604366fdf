'use client';

import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { ConfirmDialog } from '@/components/confirm-dialog';
import { DataTable } from '@/components/data-table';
import type { ApiTokenDto } from '@/lib/api-types';
import { formatDateTime } from '@/lib/format';
import { useConfirmedRowAction } from '@/lib/use-confirmed-row-action';

import { SCOPE_LABELS, TOKEN_STATE_LABELS, tokenState } from './tokens-data';

/** Whose tokens an admin is looking at; without it, the signed-in user's own. */
export interface TokenOwner {
  userId: string;
  name: string;
}

/**
 * A page of API tokens with their state, and "Revoke" (asks first) on the active ones: one's own
 * (account) or, for an admin, another user's (the user's page). `now` is the server's, so the
 * states rendered on the server and in the browser agree.
 */
export function TokenTable({ tokens, owner, now }: { tokens: ApiTokenDto[]; owner?: TokenOwner; now: string }) {
  const revoking = useConfirmedRowAction((action, token: ApiTokenDto) =>
    owner ? action.run('revokeUserToken', { path: { id: owner.userId, tokenId: token.id } }) : action.run('revokeApiToken', { path: { id: token.id } }),
  );
  const toRevoke = revoking.row;
  const at = new Date(now);

  return (
    <>
      <DataTable
        label={owner ? `API tokens of ${owner.name}` : 'Your API tokens'}
        columns={['Name', 'Starts with', 'Scope', 'State', 'Created', 'Last used', 'Expires', { label: 'Actions', align: 'right' }]}
        sx={{ '& th': { whiteSpace: 'nowrap' } }}
      >
        {tokens.map((token) => {
          const state = tokenState(token, at);
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
                  <Button size="small" color="error" variant="outlined" aria-label={`Revoke ${token.name}`} onClick={() => revoking.ask(token)}>
                    Revoke
                  </Button>
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
      <ConfirmDialog {...revoking.dialogProps} title={`Revoke token “${toRevoke?.name ?? ''}”?`} confirmLabel="Revoke" destructive>
        {owner
          ? `Anything using ${owner.name}’s token starting with ${toRevoke?.prefix ?? ''} stops working at once. This cannot be undone: they can create a new token if they need one.`
          : `Anything using the token starting with ${toRevoke?.prefix ?? ''} stops working at once. This cannot be undone: create a new token if you need one.`}
      </ConfirmDialog>
    </>
  );
}
