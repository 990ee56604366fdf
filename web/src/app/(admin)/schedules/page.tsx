import type { Metadata } from 'next';
import Link from 'next/link';
import Chip from '@mui/material/Chip';
import MuiLink from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { ListFilterForm, ListToolbar, NewResourceLink } from '@/components/list-controls';
import { FilterActions, InstrumentSelect, NativeSelect } from '@/components/filter-fields';
import { ListViewSwitch } from '@/components/list-view-switch';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { RestoreButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { requireCurrentUser } from '@/lib/current-user';
import { formatDateTime, offsetParam, oneOf, param } from '@/lib/format';
import { loadInstrumentFilter } from '@/lib/instrument-filter';
import { idFilter } from '@/lib/list-filters';

import { PauseResumeButton, RunNowButton, SyncProblem } from './schedule-actions';
import { cronDescription, nextRunText, scheduleState, STATE_FILTERS, type StateFilter } from './schedule-data';

export const metadata: Metadata = { title: 'Schedules' };

const LIMIT = 50;

/** Users see the schedules of the instruments they may see; only admins change them (the API enforces both). */
export default async function SchedulesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  // Not a UUID: it names no instrument, and the list is not filtered by it (the API would refuse it).
  const instrumentId = idFilter(param(params, 'instrumentId'));
  const state = oneOf(param(params, 'state'), Object.keys(STATE_FILTERS) as StateFilter[]);
  const current = await requireCurrentUser();
  const admin = current.kind === 'signed-in' && current.user.role === 'admin';
  // Only admins may list deleted schedules (the API answers a user's ?deleted=1 with 403).
  const deleted = admin && param(params, 'deleted') === '1';
  const offset = offsetParam(params);
  const [page, instrumentFilter] = await Promise.all([
    load('listSchedules', {
      query: { instrumentId: instrumentId || undefined, ...(state ? STATE_FILTERS[state].query : {}), deleted: deleted || undefined, limit: LIMIT, offset },
    }),
    loadInstrumentFilter(instrumentId),
  ]);
  const now = new Date();
  const filtered = Boolean(instrumentId || state);
  const showActions = admin && !deleted;

  return (
    <>
      <PageHeader
        title="Schedules"
        subtitle="When instruments are harvested: cron times in a time zone, kept in sync with Temporal Schedules."
        actions={
          admin && (
            <NewResourceLink href={instrumentId ? `/schedules/new?instrumentId=${instrumentId}` : '/schedules/new'}>New schedule</NewResourceLink>
          )
        }
      />
      <ListToolbar>
        <ListFilterForm action="/schedules" label="Filter schedules" deleted={deleted} columns={deleted ? '2fr auto' : '1fr 1fr auto'}>
          <InstrumentSelect filter={instrumentFilter} value={instrumentId} />
          {!deleted && (
            <NativeSelect name="state" label="State" value={state ?? ''}>
              <option value="">Any state</option>
              {(Object.keys(STATE_FILTERS) as StateFilter[]).map((key) => (
                <option key={key} value={key}>
                  {STATE_FILTERS[key].label}
                </option>
              ))}
            </NativeSelect>
          )}
          <FilterActions submitLabel="Filter" clearHref={deleted ? '/schedules?deleted=1' : '/schedules'} filtered={filtered} />
        </ListFilterForm>
        {admin && <ListViewSwitch basePath="/schedules" deleted={deleted} label="Which schedules" />}
      </ListToolbar>

      {page.items.length === 0 ? (
        <EmptyState
          message={
            filtered
              ? 'No schedule matches this filter.'
              : deleted
                ? 'No deleted schedules.'
                : admin
                  ? 'No schedules yet: instruments are harvested on demand only. Create one to harvest on a timetable.'
                  : 'No schedules for the instruments you can see.'
          }
        />
      ) : (
        <DataTable label={deleted ? 'Deleted schedules' : 'Schedules'} columns={['Instrument', 'When', 'Time zone', 'State', deleted ? 'Deleted' : 'Next run (from cron)', showActions && 'Actions']}>
          {page.items.map((schedule) => {
            const state = scheduleState(schedule);
            const name = `the schedule of ${schedule.instrumentName} (${schedule.cron})`;
            return (
              <TableRow key={schedule.id}>
                <TableCell>
                  <MuiLink component={Link} href={`/instruments/${schedule.instrumentId}`}>
                    {schedule.instrumentName}
                  </MuiLink>
                </TableCell>
                <TableCell>
                  <MuiLink component={Link} href={`/schedules/${schedule.id}`} sx={{ fontWeight: 600 }}>
                    {cronDescription(schedule.cron)}
                  </MuiLink>
                  <Typography variant="body2" color="text.secondary" sx={{ fontFamily: 'monospace', whiteSpace: 'nowrap' }}>
                    {schedule.cron}
                  </Typography>
                  {schedule.description && (
                    <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
                      {schedule.description}
                    </Typography>
                  )}
                </TableCell>
                <TableCell>{schedule.timezone}</TableCell>
                <TableCell sx={{ minWidth: 160, maxWidth: 280 }}>
                  <Stack spacing={1} sx={{ alignItems: 'flex-start' }}>
                    <Chip size="small" variant="outlined" label={state.label} color={state.active ? 'success' : 'default'} />
                    {!schedule.synced &&
                      (admin ? (
                        <SyncProblem id={schedule.id} name={name} syncError={schedule.syncError} compact />
                      ) : (
                        <Typography variant="body2" sx={{ borderLeft: 3, borderColor: 'warning.main', pl: 1 }}>
                          Not synced with Temporal yet
                        </Typography>
                      ))}
                  </Stack>
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  {deleted ? (
                    <Stack spacing={1} sx={{ alignItems: 'flex-start' }}>
                      <span>{formatDateTime(schedule.deletedAt)}</span>
                      {admin && <RestoreButton operation="restoreSchedule" id={schedule.id} size="small" accessibleName={`Restore ${name}`} />}
                    </Stack>
                  ) : (
                    nextRunText(schedule, now)
                  )}
                </TableCell>
                {showActions && (
                  <TableCell>
                    <Stack direction="row" spacing={1} sx={{ alignItems: 'flex-start' }}>
                      <PauseResumeButton id={schedule.id} name={name} enabled={schedule.enabled} size="small" />
                      <RunNowButton id={schedule.id} name={name} size="small" />
                    </Stack>
                  </TableCell>
                )}
              </TableRow>
            );
          })}
        </DataTable>
      )}
      <Pager
        basePath="/schedules"
        params={{ instrumentId, state: state ?? '', ...(deleted ? { deleted: '1' } : {}) }}
        total={page.total}
        limit={page.limit}
        offset={page.offset}
      />
    </>
  );
}
