import type { Metadata } from 'next';
import Link from 'next/link';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MuiLink from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';

import { ConnectionTestButton } from '@/components/connection-test';
import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { Fact } from '@/components/fact';
import { LifecycleAlerts } from '@/components/lifecycle-alerts';
import { PageHeader, Section } from '@/components/page-header';
import { ConfirmedActionButton, RestoreButton } from '@/components/resource-actions';
import { StatusChip } from '@/components/status-chip';
import { api, load, loadTogether } from '@/lib/api';
import { formatInTimeZone } from '@/lib/cron';
import { requireCurrentUser } from '@/lib/current-user';
import { readDetailPage, type DetailPageProps } from '@/lib/detail-page';
import { formatCount, formatDateTime, param } from '@/lib/format';

import { nextRunText, nextScheduledRun, scheduleState } from '../../schedules/schedule-data';
import { STORAGE_TYPE_LABELS } from '../../storage/storage-types';
import { HarvestNowButton } from '../harvest-now-button';
import { describeSource, formatQuietPeriod, SOURCE_TYPE_LABELS } from '../source-types';

export const metadata: Metadata = { title: 'Instrument' };

/** The service account's name for admins (users do not see accounts); a missing one says so. */
async function accountName(id: string | null, admin: boolean): Promise<string | null> {
  if (!id || !admin) return null;
  const result = await api('getServiceAccount', { path: { id } });
  if (result.kind !== 'ok') return 'unknown account';
  return result.data.deletedAt ? `${result.data.name} (deleted)` : result.data.name;
}

export default async function InstrumentPage(props: DetailPageProps) {
  const { id, created, search } = await readDetailPage(props);
  const [instrument, schedules, runs, current] = await loadTogether([
    load('getInstrument', { path: { id } }),
    load('listSchedules', { query: { instrumentId: id, limit: 50 } }),
    load('listHarvests', { query: { instrumentId: id, limit: 10 } }),
    requireCurrentUser(),
  ]);
  const admin = current.kind === 'signed-in' && current.user.role === 'admin';
  const deleted = instrument.deletedAt !== null;
  const account = await accountName(instrument.serviceAccountId, admin);
  const now = new Date();
  const nextRun = nextScheduledRun(schedules.items, now);

  return (
    <>
      <PageHeader
        title={instrument.name}
        subtitle={instrument.description || instrument.location || undefined}
        actions={
          !deleted && (
            <Stack direction="row" spacing={1} sx={{ alignItems: 'flex-start', flexWrap: 'wrap' }}>
              {admin && (
                <>
                  <Button component={Link} href={`/instruments/${instrument.id}/edit`} variant="outlined">
                    Edit instrument
                  </Button>
                  <ConfirmedActionButton
                    operation="deleteInstrument"
                    id={instrument.id}
                    label="Delete instrument"
                    title={`Delete instrument ${instrument.name}?`}
                    confirmLabel="Delete"
                    destructive
                    message={
                      schedules.items.length > 0
                        ? `${schedules.items.length} schedule(s) harvest this instrument: delete them first, or the deletion is refused.`
                        : 'It will no longer be harvested. Its runs and files stay in the catalogue, and you can restore it later.'
                    }
                  />
                </>
              )}
              <HarvestNowButton instrumentId={instrument.id} disabled={!instrument.enabled} />
            </Stack>
          )
        }
      />
      <LifecycleAlerts
        created={created}
        createdMessage="Instrument created. Test the source to check that Sheaf can read it, then harvest it now or add a schedule."
        deletedAt={instrument.deletedAt}
        deletedMessage={admin ? 'Restore it to harvest it again.' : ''}
        restore={admin && <RestoreButton operation="restoreInstrument" id={instrument.id} label="Restore instrument" />}
      />
      {param(search, 'saved') === '1' && !deleted && (
        <Alert severity="success" role="status" sx={{ mb: 3 }}>
          Changes saved.
        </Alert>
      )}
      <Paper variant="outlined" sx={{ p: 2, mb: 4, display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: 'repeat(3, 1fr)' } }}>
        <Fact label="Source">
          {SOURCE_TYPE_LABELS[instrument.sourceType]}: <Box component="span" sx={{ fontFamily: 'monospace' }}>{describeSource(instrument) || '—'}</Box>
        </Fact>
        {account && <Fact label="Service account">{account}</Fact>}
        <Fact label="Quiet period">{formatQuietPeriod(instrument.minAgeSeconds)}</Fact>
        <Fact label="Enabled">{instrument.enabled ? 'Yes' : 'No: not harvested, schedules paused'}</Fact>
        <Fact label="Location">{instrument.location || '—'}</Fact>
        <Fact label="Visible to">{instrument.grants.map((g) => g.name).join(', ') || 'Admins only'}</Fact>
        <Fact label="Last run">
          {instrument.lastRun ? (
            <MuiLink component={Link} href={`/runs/${instrument.lastRun.id}`}>
              {instrument.lastRun.status}, {formatDateTime(instrument.lastRun.createdAt)}
            </MuiLink>
          ) : (
            'Never run'
          )}
        </Fact>
        <Fact label="Next scheduled run">
          {nextRun
            ? `${formatInTimeZone(nextRun.at, nextRun.timeZone)} (from cron)`
            : schedules.items.length === 0
              ? 'None: harvested on demand'
              : 'None: no active schedule'}
        </Fact>
      </Paper>

      {admin && !deleted && (
        <Section title="Source test">
          <Paper variant="outlined" sx={{ p: 2 }}>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
              Lists the source as a worker would see it (from the API’s host) and shows the first files found. Nothing is copied.
            </Typography>
            <ConnectionTestButton operation="testInstrument" id={instrument.id} label="Test source" />
          </Paper>
        </Section>
      )}

      <Section title="Destinations">
        {instrument.destinations.length === 0 ? (
          <EmptyState message="No destinations: harvests have nowhere to copy to." />
        ) : (
          <DataTable label="Destinations" columns={['Storage location', 'Type', 'Path template']}>
            {instrument.destinations.map((d) => (
              <TableRow key={d.storageLocationId}>
                <TableCell>
                  {admin ? (
                    <MuiLink component={Link} href={`/storage/${d.storageLocationId}`}>
                      {d.storageLocationName}
                    </MuiLink>
                  ) : (
                    d.storageLocationName
                  )}
                </TableCell>
                <TableCell>{STORAGE_TYPE_LABELS[d.storageType]}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace' }}>{d.pathTemplate}</TableCell>
              </TableRow>
            ))}
          </DataTable>
        )}
      </Section>

      <Section
        title="Schedules"
        actions={
          <Stack direction="row" spacing={2}>
            {admin && !deleted && (
              <MuiLink component={Link} href={`/schedules/new?instrumentId=${instrument.id}`}>
                Add schedule
              </MuiLink>
            )}
            <MuiLink component={Link} href="/schedules">
              Manage schedules
            </MuiLink>
          </Stack>
        }
      >
        {schedules.items.length === 0 ? (
          <EmptyState message="No schedules: this instrument is harvested on demand only." />
        ) : (
          <DataTable label="Schedules" columns={['Cron', 'Time zone', 'State', 'Next run (from cron)', 'Description']}>
            {schedules.items.map((s) => (
              <TableRow key={s.id}>
                <TableCell sx={{ fontFamily: 'monospace' }}>
                  <MuiLink component={Link} href={`/schedules/${s.id}`}>
                    {s.cron}
                  </MuiLink>
                </TableCell>
                <TableCell>{s.timezone}</TableCell>
                <TableCell>
                  {scheduleState(s).label}
                  {!s.synced && ` · not synced${s.syncError ? `: ${s.syncError}` : ''}`}
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{nextRunText(s, now)}</TableCell>
                <TableCell>{s.description || '—'}</TableCell>
              </TableRow>
            ))}
          </DataTable>
        )}
      </Section>

      <Section
        title="Recent runs"
        actions={
          <MuiLink component={Link} href={`/runs?instrumentId=${instrument.id}`}>
            All runs
          </MuiLink>
        }
      >
        {runs.items.length === 0 ? (
          <EmptyState message="This instrument has not been harvested yet." />
        ) : (
          <DataTable label="Recent runs" columns={['Started', 'Status', 'Trigger', { label: 'Files done / total', align: 'right' }]}>
            {runs.items.map((run) => (
              <TableRow key={run.id}>
                <TableCell>
                  <MuiLink component={Link} href={`/runs/${run.id}`}>
                    {formatDateTime(run.startedAt ?? run.createdAt)}
                  </MuiLink>
                </TableCell>
                <TableCell>
                  <StatusChip status={run.status} />
                </TableCell>
                <TableCell>{run.trigger}</TableCell>
                <TableCell align="right">
                  {formatCount(run.filesDone)} / {formatCount(run.filesTotal)}
                </TableCell>
              </TableRow>
            ))}
          </DataTable>
        )}
      </Section>
    </>
  );
}
