import type { Metadata } from 'next';
import Link from 'next/link';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';

import { EmptyState } from '@/components/empty-state';
import { LifecycleAlerts } from '@/components/lifecycle-alerts';
import { PageHeader, Section } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { RestoreButton } from '@/components/resource-actions';
import { load, loadTogether } from '@/lib/api';
import { requireCurrentUser } from '@/lib/current-user';
import { readDetailPage, type DetailPageProps } from '@/lib/detail-page';
import { formatCount, formatDateTime, offsetParam } from '@/lib/format';

import { TokenTable } from '../../account/tokens/token-table';
import { EditUserButton } from '../user-dialogs';
import { ROLE_LABELS, USER_STATE_LABELS, userState } from '../users-data';

export const metadata: Metadata = { title: 'User' };

const TOKEN_LIMIT = 50;

/** Admin only (the API answers users 403: "not found"): one user, and their API tokens to revoke. */
export default async function UserPage(props: DetailPageProps) {
  const { id, search } = await readDetailPage(props);
  // The user first: a malformed id is "not found" before the token list's 400 could say otherwise.
  const [user, tokens, current] = await loadTogether([
    load('getUser', { path: { id } }),
    load('listUserTokens', { path: { id }, query: { limit: TOKEN_LIMIT, offset: offsetParam(search) } }),
    requireCurrentUser(),
  ]);
  const self = current.kind === 'signed-in' && current.user.id === user.id;
  const state = userState(user);

  return (
    <>
      <Button component={Link} href="/users" size="small" sx={{ mb: 1 }}>
        ← All users
      </Button>
      <PageHeader
        title={user.displayName}
        subtitle={
          <Box component="span" sx={{ display: 'inline-flex', flexWrap: 'wrap', alignItems: 'center', gap: 1 }}>
            {user.email} · {ROLE_LABELS[user.role]} · created {formatDateTime(user.createdAt)}
            <Chip label={USER_STATE_LABELS[state]} size="small" variant="outlined" color={state === 'active' ? 'success' : state === 'disabled' ? 'warning' : 'default'} />
            {self && <Chip label="you" size="small" variant="outlined" />}
          </Box>
        }
        actions={
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
            <Button component={Link} href={`/audit?entityType=user&entityId=${user.id}`} variant="text">
              History
            </Button>
            {state !== 'deleted' && <EditUserButton user={user} self={self} />}
          </Box>
        }
      />
      <LifecycleAlerts
        deletedAt={user.deletedAt}
        deletedMessage="They cannot sign in, and their API tokens were revoked: restoring the user does not bring them back."
        restore={<RestoreButton operation="restoreUser" id={user.id} label="Restore user" />}
      />
      <Section title={`API tokens (${formatCount(tokens.total)})`}>
        {tokens.items.length === 0 ? (
          <EmptyState message={`${user.displayName} has no API tokens.`} />
        ) : (
          <TokenTable tokens={tokens.items} owner={{ userId: user.id, name: user.displayName }} now={new Date().toISOString()} />
        )}
        <Pager basePath={`/users/${user.id}`} params={{}} total={tokens.total} limit={tokens.limit} offset={tokens.offset} />
      </Section>
    </>
  );
}
