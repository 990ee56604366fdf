import type { Metadata } from 'next';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';

import { instrumentUsage } from '@/components/config-fields';
import { ConnectionTestButton } from '@/components/connection-test';
import { PageHeader, Section } from '@/components/page-header';
import { LifecycleAlerts } from '@/components/lifecycle-alerts';
import { ConfirmedActionButton, RestoreButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { readDetailPage, type DetailPageProps } from '@/lib/detail-page';

import { StorageLocationForm } from '../storage-form';
import { describeStorage, STORAGE_TYPE_LABELS } from '../storage-types';

export const metadata: Metadata = { title: 'Storage location' };

export default async function StorageLocationPage(props: DetailPageProps) {
  const { id, created } = await readDetailPage(props);
  const location = await load('getStorageLocation', { path: { id } });
  const deleted = location.deletedAt !== null;

  return (
    <>
      <PageHeader
        title={location.name}
        subtitle={`${STORAGE_TYPE_LABELS[location.type]} storage location, ${instrumentUsage(location.instrumentCount)}`}
        actions={
          !deleted && (
            <ConfirmedActionButton
              operation="deleteStorageLocation"
              id={location.id}
              label="Delete storage location"
              title={`Delete storage location ${location.name}?`}
              confirmLabel="Delete"
              destructive
              message={
                location.instrumentCount > 0
                  ? `${location.instrumentCount} instrument(s) deliver here: remove it from their destinations first, or the deletion is refused.`
                  : 'Instruments can no longer choose it as a destination. Files already delivered stay where they are, and you can restore it later.'
              }
            />
          )
        }
      />
      <LifecycleAlerts
        created={created}
        createdMessage="Storage location created. Test it to check that Sheaf can reach it and write there."
        deletedAt={location.deletedAt}
        deletedMessage="Restore it to use it again."
        restore={<RestoreButton operation="restoreStorageLocation" id={location.id} label="Restore storage location" />}
      />

      <Section title="Connection">
        <Paper variant="outlined" sx={{ p: 2, maxWidth: 720 }}>
          <Typography variant="body2" sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere', mb: 1 }}>
            {describeStorage(location)}
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
            {location.type === 'posix' || location.type === 'nfs'
              ? 'The test checks that the folder exists and that a small file can be written and removed (from the API’s host; the workers need the same access).'
              : 'The test writes a small file through rclone and removes it again.'}
          </Typography>
          <ConnectionTestButton operation="testStorageLocation" id={location.id} label="Test storage location" disabled={deleted} />
        </Paper>
      </Section>

      <Section title="Settings">
        {deleted ? (
          <Box>
            <Typography color="text.secondary">A deleted storage location cannot be edited. Restore it first.</Typography>
          </Box>
        ) : (
          <StorageLocationForm location={location} />
        )}
      </Section>
    </>
  );
}
