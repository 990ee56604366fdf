import type { Metadata } from 'next';
import Link from 'next/link';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { PageHeader, Section } from '@/components/page-header';
import { requireCurrentUser } from '@/lib/current-user';
import { formatCount, formatDateTime } from '@/lib/format';

import { ACTIVITY_DAYS } from './_dashboard/activity';
import { ActivityCharts } from './_dashboard/activity-charts';
import { InstrumentHealthTable } from './_dashboard/instrument-health';
import { loadDashboard } from './_dashboard/load-dashboard';
import { ActiveRuns } from './runs/active-runs';

export const metadata: Metadata = { title: 'Dashboard' };

export default async function DashboardPage() {
  // Pages check for themselves too: a layout is not re-rendered on every navigation.
  const current = await requireCurrentUser();
  const name = current.kind === 'signed-in' ? current.user.displayName : '';
  const dashboard = await loadDashboard();
  const { activity } = dashboard;

  return (
    <>
      <PageHeader title="Dashboard" subtitle={name ? `Welcome, ${name}.` : undefined} />

      <Section title="Runs in progress">
        <ActiveRuns initial={dashboard.active} />
      </Section>

      <Section title={`Harvested in the last ${ACTIVITY_DAYS} days (UTC)`}>
        <ActivityCharts days={activity.days} />
        {activity.runsCounted < activity.runsInWindow && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            The charts count the newest {formatCount(activity.runsCounted)} of {formatCount(activity.runsInWindow)} runs of these days: their oldest days may show less than was harvested.
          </Typography>
        )}
      </Section>

      <Section title="Recent failures">
        {dashboard.failures.length === 0 ? (
          <EmptyState message="No failed runs." />
        ) : (
          <DataTable label="Recent failures" columns={['Instrument', 'Finished', 'Reason']}>
            {dashboard.failures.map((run) => (
              <TableRow key={run.id}>
                <TableCell>
                  <MuiLink component={Link} href={`/runs/${run.id}`}>
                    {run.instrumentName}
                  </MuiLink>
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(run.finishedAt)}</TableCell>
                <TableCell sx={{ color: 'error.main' }}>{run.error ?? `${run.filesFailed} file(s) failed`}</TableCell>
              </TableRow>
            ))}
          </DataTable>
        )}
      </Section>

      <Section title="Instrument health">
        <InstrumentHealthTable rows={dashboard.health} total={dashboard.instrumentsTotal} days={ACTIVITY_DAYS} />
        {dashboard.schedulesNotDescribed > 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            Temporal was asked for the next runs of the first schedules only; the others are computed from their cron expressions, as on <MuiLink component={Link} href="/schedules">Schedules</MuiLink>.
          </Typography>
        )}
      </Section>
    </>
  );
}
