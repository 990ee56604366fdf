import type { Metadata } from 'next';
import Alert from '@mui/material/Alert';
import Typography from '@mui/material/Typography';

import { instrumentUsage } from '@/components/config-fields';
import { PageHeader, Section } from '@/components/page-header';
import { ConfirmedActionButton, RestoreButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { formatDateTime, param } from '@/lib/format';

import { ServiceAccountForm } from '../service-account-form';
import { accountLogin } from '../service-account-text';

export const metadata: Metadata = { title: 'Service account' };

export default async function ServiceAccountPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const created = param(await searchParams, 'created') === '1';
  const account = await load('getServiceAccount', { path: { id } });
  const deleted = account.deletedAt !== null;

  return (
    <>
      <PageHeader
        title={account.name}
        subtitle={`Signs in as ${accountLogin(account)}; ${instrumentUsage(account.instrumentCount)}`}
        actions={
          !deleted && (
            <ConfirmedActionButton
              operation="deleteServiceAccount"
              id={account.id}
              label="Delete service account"
              title={`Delete service account ${account.name}?`}
              confirmLabel="Delete"
              destructive
              message={
                account.instrumentCount > 0
                  ? `${account.instrumentCount} instrument(s) use this account: give them another one first, or the deletion is refused.`
                  : 'Instruments can no longer use it. You can restore it later.'
              }
            />
          )
        }
      />
      {created && !deleted && (
        <Alert severity="success" role="status" sx={{ mb: 3 }}>
          Service account created. Choose it on an instrument with an SMB source, then use “Test source” there.
        </Alert>
      )}
      {deleted && (
        <Alert severity="warning" sx={{ mb: 3, alignItems: 'center' }} action={<RestoreButton operation="restoreServiceAccount" id={account.id} label="Restore service account" />}>
          Deleted on {formatDateTime(account.deletedAt)}. Restore it to use it again.
        </Alert>
      )}
      <Section title="Settings">
        {deleted ? (
          <Typography color="text.secondary">A deleted service account cannot be edited. Restore it first.</Typography>
        ) : (
          <ServiceAccountForm account={account} />
        )}
      </Section>
    </>
  );
}
