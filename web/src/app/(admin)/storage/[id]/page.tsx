import type { Metadata } from 'next';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';

import { instrumentUsage } from '@/components/config-fields';
import { ConnectionTestButton } from '@/components/connection-test';
import { PageHeader, Section } from '@/components/page-header';
import { ConfirmedActionButton, RestoreButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { formatDateTime, param } from '@/lib/format';

import { StorageLocationForm } from '../storage-form';
import { describeStorage, STORAGE_TYPE_LABELS } from '../storage-types';

export const metadata: Metadata = { title: 'Storage location' };

export default async function StorageLocationPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const created = param(await searchParams, 'created') === '1';
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
      {created && !deleted && (
        <Alert severity="success" role="status" sx={{ mb: 3 }}>
          Storage location created. Test it to check that Sheaf can reach it and write there.
        </Alert>
      )}
      {deleted && (
        <Alert severity="warning" sx={{ mb: 3, alignItems: 'center' }} action={<RestoreButton operation="restoreStorageLocation" id={location.id} label="Restore storage location" />}>
          Deleted on {formatDateTime(location.deletedAt)}. Restore it to use it again.
        </Alert>
      )}

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
