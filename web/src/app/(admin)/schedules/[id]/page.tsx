import type { Metadata } from 'next';
import Link from 'next/link';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MuiLink from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';

import { EmptyState } from '@/components/empty-state';
import { Fact } from '@/components/fact';
import { LifecycleAlerts } from '@/components/lifecycle-alerts';
import { PageHeader, Section } from '@/components/page-header';
import { ConfirmedActionButton, RestoreButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { cronCaveat, formatInTimeZone, parseCron } from '@/lib/cron';
import { requireCurrentUser } from '@/lib/current-user';
import { readDetailPage, type DetailPageProps } from '@/lib/detail-page';
import { formatDateTime } from '@/lib/format';

import { BackfillForm } from '../backfill-form';
import { PauseResumeButton, RunNowButton, SyncProblem } from '../schedule-actions';
import { cronDescription, noPlanMessage, scheduleState } from '../schedule-data';

export const metadata: Metadata = { title: 'Schedule' };

export default async function SchedulePage(props: DetailPageProps) {
  const { id, created } = await readDetailPage(props);
  const [schedule, current] = await Promise.all([load('getSchedule', { path: { id } }), requireCurrentUser()]);
  const admin = current.kind === 'signed-in' && current.user.role === 'admin';
  const deleted = schedule.deletedAt !== null;
  const parsed = parseCron(schedule.cron);
  const caveat = parsed.ok ? cronCaveat(parsed.schedule) : undefined;
  const zone = schedule.timezone;
  const name = `schedule of ${schedule.instrumentName}`;

  // Temporal's plan is the truth; when it has none to give, say why (and what the cron implies).
  const noPlan = schedule.nextRunTimes.length === 0 ? noPlanMessage(schedule, new Date()) : undefined;

  return (
    <>
      <PageHeader
        title={`Schedule of ${schedule.instrumentName}`}
        subtitle={cronDescription(schedule.cron)}
        actions={
          admin &&
          !deleted && (
            <Stack direction="row" spacing={1} sx={{ flexWrap: 'wrap', alignItems: 'flex-start' }}>
              <Button component={Link} href={`/schedules/${schedule.id}/edit`} variant="contained">
                Edit
              </Button>
              <PauseResumeButton id={schedule.id} enabled={schedule.enabled} />
              <RunNowButton id={schedule.id} />
              <ConfirmedActionButton
                operation="deleteSchedule"
                id={schedule.id}
                label="Delete"
                title={`Delete the ${name}?`}
                confirmLabel="Delete"
                destructive
                message="Sheaf deletes the Temporal Schedule, so no more harvests start from it. Runs already going finish, and you can restore the schedule later."
              />
            </Stack>
          )
        }
      />
      <LifecycleAlerts
        created={created}
        createdMessage={`Schedule created${schedule.synced ? ' and synced with Temporal.' : '. Temporal could not be reached yet; see below.'}`}
        deletedAt={schedule.deletedAt}
        deletedMessage="Restoring creates the Temporal Schedule again."
        restore={admin && <RestoreButton operation="restoreSchedule" id={schedule.id} label="Restore schedule" />}
      />
      {/* A deleted schedule too: its delete may not have reached Temporal, which then still starts it. */}
      {!schedule.synced && (
        <Box sx={{ mb: 3 }}>
          {admin ? (
            <SyncProblem id={schedule.id} syncError={schedule.syncError} />
          ) : (
            <Alert severity="warning">Not synced with Temporal yet{schedule.syncError ? `: ${schedule.syncError}` : '.'}</Alert>
          )}
        </Box>
      )}

      <Paper variant="outlined" sx={{ p: 2, mb: 4, display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: 'repeat(3, 1fr)' } }}>
        <Fact label="Instrument">
          <MuiLink component={Link} href={`/instruments/${schedule.instrumentId}`}>
            {schedule.instrumentName}
          </MuiLink>
        </Fact>
        <Fact label="Cron expression">
          <Box component="code" sx={{ fontFamily: 'monospace' }}>
            {schedule.cron}
          </Box>
        </Fact>
        <Fact label="Time zone">{zone}</Fact>
        <Fact label="State">{deleted ? 'Deleted' : scheduleState(schedule).label}</Fact>
        <Fact label="Temporal">
          {schedule.synced ? `In sync${schedule.syncedAt ? ` since ${formatDateTime(schedule.syncedAt)}` : ''}` : 'Not synced'}
        </Fact>
        <Fact label="Temporal Schedule id">
          <Box component="code" sx={{ fontFamily: 'monospace' }}>
            {schedule.temporalScheduleId}
          </Box>
        </Fact>
        {schedule.description && <Fact label="Note">{schedule.description}</Fact>}
        <Fact label="Created">{formatDateTime(schedule.createdAt)}</Fact>
        <Fact label="Changed">{formatDateTime(schedule.updatedAt)}</Fact>
      </Paper>
      {caveat && (
        <Alert severity="info" sx={{ mb: 4 }}>
          {caveat}
        </Alert>
      )}

      <Section title="Next runs">
        {noPlan ? (
          <EmptyState message={noPlan} />
        ) : (
          <Paper variant="outlined" sx={{ p: 2 }}>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
              As planned by Temporal, in {zone}:
            </Typography>
            <Box component="ol" sx={{ m: 0, pl: 3 }}>
              {schedule.nextRunTimes.map((time) => (
                <Typography component="li" variant="body2" key={time} sx={{ fontVariantNumeric: 'tabular-nums' }}>
                  {formatInTimeZone(new Date(time), zone)}
                  {zone !== 'UTC' && (
                    <Box component="span" sx={{ color: 'text.secondary' }}>
                      {' '}
                      ({formatDateTime(time)})
                    </Box>
                  )}
                </Typography>
              ))}
            </Box>
          </Paper>
        )}
      </Section>

      {admin && !deleted && (
        <Section title="Backfill">
          <BackfillForm id={schedule.id} cron={schedule.cron} timeZone={zone} />
        </Section>
      )}
    </>
  );
}
