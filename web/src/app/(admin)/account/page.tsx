import type { Metadata } from 'next';
import Link from 'next/link';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';

import { PageHeader, Section } from '@/components/page-header';
import { load } from '@/lib/api';

import { ROLE_HELP, ROLE_LABELS } from '../users/users-data';
import { PasswordForm, ProfileForm } from './account-forms';

export const metadata: Metadata = { title: 'Account' };

/** The signed-in user's own account: name, password, and a way to their API tokens. */
export default async function AccountPage() {
  const [me, tokens] = await Promise.all([load('getCurrentUser', {}), load('listApiTokens', { query: { limit: 1 } })]);
  return (
    <>
      <PageHeader title="Account" subtitle={`${me.email} · ${ROLE_LABELS[me.role]}: ${ROLE_HELP[me.role]}`} />
      <Section title="Profile">
        <ProfileForm displayName={me.displayName} />
      </Section>
      <Section title="Password">
        <PasswordForm email={me.email} />
      </Section>
      <Section title="API tokens">
        <Paper variant="outlined" sx={{ p: { xs: 2, sm: 3 }, maxWidth: 560 }}>
          <Typography sx={{ mb: 2 }}>
            {tokens.total === 0
              ? 'You have no API tokens. Scripts and integrations use them to call the Sheaf API as you.'
              : `You have ${tokens.total} API token${tokens.total === 1 ? '' : 's'} (including revoked and expired ones).`}
          </Typography>
          <Button component={Link} href="/account/tokens" variant="outlined">
            Manage API tokens
          </Button>
        </Paper>
      </Section>
    </>
  );
}
