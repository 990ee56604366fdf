import type { Metadata } from 'next';
import Alert from '@mui/material/Alert';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { FilePathCell } from '@/components/file-path-cell';
import { DateRangeFields, FilterActions, InstrumentSelect, NativeSelect } from '@/components/filter-fields';
import { ListFilterForm, ListToolbar } from '@/components/list-controls';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { StatusChip } from '@/components/status-chip';
import { loadFiltered } from '@/lib/api';
import { fieldErrorProps, fieldMessage } from '@/lib/field-messages';
import { dayBoundary, formatBytes, formatDateTime, offsetParam, oneOf, param } from '@/lib/format';
import { loadInstrumentFilter } from '@/lib/instrument-filter';
import { dateRangeErrors, idFilter } from '@/lib/list-filters';

export const metadata: Metadata = { title: 'Files' };

const LIMIT = 50;

/** The API's file orders (each backed by an index, so they stay fast over a million files). */
const SORTS = [
  { value: 'newest', label: 'Newest harvested first' },
  { value: 'oldest', label: 'Oldest harvested first' },
  { value: 'acquired-newest', label: 'Latest acquired first' },
  { value: 'acquired-oldest', label: 'Earliest acquired first' },
  { value: 'verified-newest', label: 'Latest verified first (verified only)' },
  { value: 'verified-oldest', label: 'Earliest verified first (verified only)' },
  { value: 'path', label: 'Path (A to Z)' },
] as const;
const SORT_VALUES = SORTS.map((s) => s.value);
const STATUSES = [
  { value: 'verified', label: 'Verified' },
  { value: 'failed', label: 'Failed' },
  { value: 'held', label: 'Held by a hook' },
  { value: 'pending', label: 'Pending' },
  { value: 'skipped', label: 'Skipped' },
] as const;
const STATUS_VALUES = STATUSES.map((s) => s.value);
const FROM_LABEL = 'Acquired from (UTC day)';
const TO_LABEL = 'Acquired to (UTC day)';

export default async function FilesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const filters = {
    name: param(params, 'name'),
    path: param(params, 'path'),
    ark: param(params, 'ark'),
    // Not a UUID: it names no instrument, and the list is not filtered by it (nor says it is).
    instrumentId: idFilter(param(params, 'instrumentId')),
    from: param(params, 'from'),
    to: param(params, 'to'),
    metaKey: param(params, 'metaKey'),
    metaValue: param(params, 'metaValue'),
    status: oneOf(param(params, 'status'), STATUS_VALUES),
  };
  const sort = oneOf(param(params, 'sort'), SORT_VALUES) ?? 'newest';
  const offset = offsetParam(params);
  const [result, instrumentFilter] = await Promise.all([
    loadFiltered('searchFiles', {
      query: {
        name: filters.name || undefined,
        path: filters.path || undefined,
        ark: filters.ark || undefined,
        instrumentId: filters.instrumentId || undefined,
        from: dayBoundary(filters.from, false),
        to: dayBoundary(filters.to, true),
        metaKey: filters.metaKey || undefined,
        // A value alone names no field to look in (the API refuses it): it waits for its key.
        metaValue: filters.metaKey && filters.metaValue ? filters.metaValue : undefined,
        status: filters.status,
        sort,
        limit: LIMIT,
        offset,
      },
    }),
    loadInstrumentFilter(filters.instrumentId),
  ]);
  const filtered = Object.values(filters).some(Boolean);
  // A filter the API refused (a malformed ARK, an impossible date) is said at its field; the form stays.
  const refused = result.kind === 'refused' ? result.error : null;
  // The form has a field for each filter and for the sort, named after its query parameter.
  const shownInline = refused !== null && (Object.hasOwn(filters, refused.field) || refused.field === 'sort');
  const metaValueProblem = fieldMessage(refused, 'metaValue', 'Metadata value') ?? (filters.metaValue && !filters.metaKey ? 'Name the metadata field to look in.' : undefined);

  return (
    <>
      <PageHeader title="Files" subtitle="Harvested file versions, searched on the server." />
      <ListToolbar>
        <ListFilterForm action="/files" label="Search files" columns={{ sm: '1fr 1fr', md: 'repeat(3, 1fr)' }}>
          <TextField label="Name" size="small" defaultValue={filters.name} {...fieldErrorProps(refused, 'name', 'Name')} />
          <TextField label="Path contains" size="small" defaultValue={filters.path} {...fieldErrorProps(refused, 'path', 'Path')} />
          <TextField
            label="ARK"
            size="small"
            defaultValue={filters.ark}
            placeholder="ark:…"
            slotProps={{ inputLabel: { shrink: true } }}
            {...fieldErrorProps(refused, 'ark', 'ARK')}
          />
          <InstrumentSelect filter={instrumentFilter} value={filters.instrumentId} errorText={fieldMessage(refused, 'instrumentId', 'Instrument')} />
          <DateRangeFields from={filters.from} to={filters.to} fromLabel={FROM_LABEL} toLabel={TO_LABEL} {...dateRangeErrors(refused, FROM_LABEL, TO_LABEL)} />
          <TextField
            label="Metadata field"
            size="small"
            defaultValue={filters.metaKey}
            placeholder="e.g. sample"
            slotProps={{ inputLabel: { shrink: true } }}
            {...fieldErrorProps(refused, 'metaKey', 'Metadata field')}
          />
          <TextField
            name="metaValue"
            label="Metadata value"
            size="small"
            defaultValue={filters.metaValue}
            helperText={metaValueProblem}
            error={Boolean(metaValueProblem)}
          />
          <NativeSelect name="status" label="Status" value={filters.status ?? ''} errorText={fieldMessage(refused, 'status', 'Status')}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </NativeSelect>
          <NativeSelect name="sort" label="Sort by" value={sort} errorText={fieldMessage(refused, 'sort', 'Sort by')}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </NativeSelect>
          <FilterActions submitLabel="Search" clearHref="/files" filtered={filtered} />
        </ListFilterForm>
      </ListToolbar>
      {result.kind === 'refused' ? (
        <Alert severity="error" role="alert">
          {shownInline ? 'This search cannot be run: correct the field marked above.' : result.error.message}
        </Alert>
      ) : result.data.items.length === 0 ? (
        <EmptyState message={filtered ? 'No file matches this search.' : 'No files harvested yet.'} />
      ) : (
        <DataTable label="Files" minWidth={1060} columns={[{ label: 'Path', width: '30%' }, 'Instrument', { label: 'Size', align: 'right' }, 'Version', 'Status', 'ARK', 'Acquired']}>
          {result.data.items.map((f) => (
            <TableRow key={f.id}>
              <FilePathCell fileVersionId={f.id} path={f.path} />
              <TableCell>{f.instrumentName}</TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                {formatBytes(f.size)}
              </TableCell>
              <TableCell>{f.version}</TableCell>
              <TableCell>
                <StatusChip status={f.status} />
              </TableCell>
              <TableCell sx={{ fontFamily: 'monospace', whiteSpace: 'nowrap' }}>{f.ark ?? '—'}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(f.mtime)}</TableCell>
            </TableRow>
          ))}
        </DataTable>
      )}
      {result.kind === 'ok' && (
        <Pager
          basePath="/files"
          params={{ ...filters, status: filters.status ?? '', sort: sort === 'newest' ? '' : sort }}
          total={result.data.total}
          limit={result.data.limit}
          offset={result.data.offset}
        />
      )}
    </>
  );
}
