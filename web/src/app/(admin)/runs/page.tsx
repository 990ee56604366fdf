import type { Metadata } from 'next';
import Link from 'next/link';
import MuiLink from '@mui/material/Link';
import Alert from '@mui/material/Alert';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { DateRangeFields, FilterActions, InstrumentSelect, NativeSelect } from '@/components/filter-fields';
import { ListFilterForm, ListToolbar } from '@/components/list-controls';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { StatusChip } from '@/components/status-chip';
import { loadFiltered } from '@/lib/api';
import { fieldMessage } from '@/lib/field-messages';
import { dayBoundary, formatBytes, formatCount, formatDateTime, offsetParam, oneOf, param } from '@/lib/format';
import { loadInstrumentFilter } from '@/lib/instrument-filter';
import { dateRangeErrors, idFilter } from '@/lib/list-filters';

export const metadata: Metadata = { title: 'Runs' };

const LIMIT = 50;
const STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
const FROM_LABEL = 'From (UTC day)';
const TO_LABEL = 'To (UTC day)';

export default async function RunsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const filters = {
    // Not a UUID: it names no instrument, and the list is not filtered by it (nor says it is).
    instrumentId: idFilter(param(params, 'instrumentId')),
    status: param(params, 'status'),
    from: param(params, 'from'),
    to: param(params, 'to'),
  };
  const offset = offsetParam(params);
  const [result, instrumentFilter] = await Promise.all([
    loadFiltered('listHarvests', {
      query: {
        instrumentId: filters.instrumentId || undefined,
        status: oneOf(filters.status, STATUSES),
        from: dayBoundary(filters.from, false),
        to: dayBoundary(filters.to, true),
        limit: LIMIT,
        offset,
      },
    }),
    loadInstrumentFilter(filters.instrumentId),
  ]);
  const filtered = Object.values(filters).some(Boolean);
  // A filter the API refused (a to day before the from day) is said at its field; the form stays.
  const refused = result.kind === 'refused' ? result.error : null;
  const shownInline = refused !== null && Object.hasOwn(filters, refused.field);

  return (
    <>
      <PageHeader title="Runs" subtitle="Harvest runs, newest first." />
      <ListToolbar>
        <ListFilterForm action="/runs" label="Filter runs" columns="2fr 1fr 1fr 1fr auto">
          <InstrumentSelect filter={instrumentFilter} value={filters.instrumentId} errorText={fieldMessage(refused, 'instrumentId', 'Instrument')} />
          <NativeSelect name="status" label="Status" value={filters.status} errorText={fieldMessage(refused, 'status', 'Status')}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </NativeSelect>
          <DateRangeFields from={filters.from} to={filters.to} fromLabel={FROM_LABEL} toLabel={TO_LABEL} {...dateRangeErrors(refused, FROM_LABEL, TO_LABEL)} />
          <FilterActions submitLabel="Filter" clearHref="/runs" filtered={filtered} />
        </ListFilterForm>
      </ListToolbar>
      {result.kind === 'refused' ? (
        <Alert severity="error" role="alert">
          {shownInline ? 'These filters cannot be applied: correct the field marked above.' : result.error.message}
        </Alert>
      ) : result.data.items.length === 0 ? (
        <EmptyState message={filtered ? 'No run matches these filters.' : 'No harvest has run yet.'} />
      ) : (
        <DataTable label="Runs" columns={['Started', 'Instrument', 'Status', 'Trigger', { label: 'Files done / total', align: 'right' }, { label: 'Failed', align: 'right' }, { label: 'Bytes', align: 'right' }]}>
          {result.data.items.map((run) => (
            <TableRow key={run.id}>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>
                <MuiLink component={Link} href={`/runs/${run.id}`}>
                  {formatDateTime(run.startedAt ?? run.createdAt)}
                </MuiLink>
              </TableCell>
              <TableCell>{run.instrumentName}</TableCell>
              <TableCell>
                <StatusChip status={run.status} />
              </TableCell>
              <TableCell>{run.trigger}</TableCell>
              <TableCell align="right">
                {formatCount(run.filesDone)} / {formatCount(run.filesTotal)}
              </TableCell>
              <TableCell align="right">{formatCount(run.filesFailed)}</TableCell>
              <TableCell align="right">{formatBytes(run.bytesDone)}</TableCell>
            </TableRow>
          ))}
        </DataTable>
      )}
      {result.kind === 'ok' && <Pager basePath="/runs" params={filters} total={result.data.total} limit={result.data.limit} offset={result.data.offset} />}
    </>
  );
}
