import type { Metadata } from 'next';
import Typography from '@mui/material/Typography';

import { instrumentUsage } from '@/components/config-fields';
import { PageHeader, Section } from '@/components/page-header';
import { LifecycleAlerts } from '@/components/lifecycle-alerts';
import { ConfirmedActionButton, RestoreButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { readDetailPage, type DetailPageProps } from '@/lib/detail-page';

import { ServiceAccountForm } from '../service-account-form';
import { accountLogin } from '../service-account-text';

export const metadata: Metadata = { title: 'Service account' };

export default async function ServiceAccountPage(props: DetailPageProps) {
  const { id, created } = await readDetailPage(props);
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
      <LifecycleAlerts
        created={created}
        createdMessage="Service account created. Choose it on an instrument with an SMB source, then use “Test source” there."
        deletedAt={account.deletedAt}
        deletedMessage="Restore it to use it again."
        restore={<RestoreButton operation="restoreServiceAccount" id={account.id} label="Restore service account" />}
      />
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
