import type { Metadata } from 'next';
import Link from 'next/link';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { DeletedCellContent, ListFilterForm, ListToolbar, NewResourceLink } from '@/components/list-controls';
import { FilterActions, InstrumentSelect, NativeSelect } from '@/components/filter-fields';
import { ListViewSwitch } from '@/components/list-view-switch';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { RestoreButton } from '@/components/resource-actions';
import { load } from '@/lib/api';
import { offsetParam, oneOf, param } from '@/lib/format';
import { loadInstrumentFilter } from '@/lib/instrument-filter';
import { idFilter } from '@/lib/list-filters';

import { HOOK_KINDS, HOOK_PHASES, KIND_LABELS, PHASE_LABELS, scopeLabel } from './hook-data';

export const metadata: Metadata = { title: 'Hooks' };

const LIMIT = 50;

/** Admin only: the API answers users 403, which shows as "not found". Listed in the order they run. */
export default async function HooksPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const phase = oneOf(param(params, 'phase'), HOOK_PHASES);
  const kind = oneOf(param(params, 'kind'), HOOK_KINDS);
  // Not a UUID: it names no instrument, and the list is not filtered by it (the API would refuse it).
  const instrumentId = idFilter(param(params, 'instrumentId'));
  const deleted = param(params, 'deleted') === '1';
  const offset = offsetParam(params);
  const [page, instrumentFilter] = await Promise.all([
    load('listHooks', { query: { phase, kind, instrumentId: instrumentId || undefined, deleted: deleted || undefined, limit: LIMIT, offset } }),
    loadInstrumentFilter(instrumentId),
  ]);
  const names = new Map(instrumentFilter.instruments.map((i) => [i.id, i.name]));
  const filtered = Boolean(phase || kind || instrumentId);

  return (
    <>
      <PageHeader
        title="Hooks"
        subtitle="Steps that run in every harvest: before the copy (filters, and metadata, access, webhooks or commands) and after verification (all but filters)."
        actions={
          <NewResourceLink href="/hooks/new">New hook</NewResourceLink>
        }
      />
      <ListToolbar>
        <ListFilterForm action="/hooks" label="Filter hooks" deleted={deleted} columns="1fr 1fr 2fr auto">
          <NativeSelect name="phase" label="Phase" value={phase ?? ''}>
            <option value="">Both phases</option>
            {HOOK_PHASES.map((p) => (
              <option key={p} value={p}>
                {PHASE_LABELS[p]}
              </option>
            ))}
          </NativeSelect>
          <NativeSelect name="kind" label="Kind" value={kind ?? ''}>
            <option value="">Every kind</option>
            {HOOK_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </NativeSelect>
          <InstrumentSelect filter={instrumentFilter} value={instrumentId} />
          <FilterActions submitLabel="Filter" clearHref={deleted ? '/hooks?deleted=1' : '/hooks'} filtered={filtered} />
        </ListFilterForm>
        <ListViewSwitch basePath="/hooks" deleted={deleted} label="Which hooks" />
      </ListToolbar>
      {instrumentId && !deleted && (
        <Box sx={{ mb: 2, color: 'text.secondary', typography: 'body2' }}>
          The hooks that run for {names.get(instrumentId) ?? 'this instrument'} (its own and the global ones), in the order they run.
        </Box>
      )}

      {page.items.length === 0 ? (
        <EmptyState
          message={
            filtered
              ? 'No hook matches this filter.'
              : deleted
                ? 'No deleted hooks.'
                : 'No hooks yet: every discovered file is copied as it is. Add a filter to skip or redirect files, a metadata or access hook to describe and share them, or a webhook to notify another system.'
          }
        />
      ) : (
        <DataTable label={deleted ? 'Deleted hooks' : 'Hooks'} columns={['Name', 'Phase', 'Kind', { label: 'Priority', align: 'right' }, 'Applies to', deleted ? 'Deleted' : 'State']}>
          {page.items.map((hook) => (
            <TableRow key={hook.id}>
              <TableCell>
                <MuiLink component={Link} href={`/hooks/${hook.id}`} sx={{ fontWeight: 600, overflowWrap: 'anywhere' }}>
                  {hook.name}
                </MuiLink>
              </TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{PHASE_LABELS[hook.phase]}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{KIND_LABELS[hook.kind]}</TableCell>
              <TableCell align="right">{hook.priority}</TableCell>
              <TableCell>
                {hook.instrumentId === null ? (
                  scopeLabel(null, names)
                ) : (
                  <MuiLink component={Link} href={`/instruments/${hook.instrumentId}`}>
                    {scopeLabel(hook.instrumentId, names)}
                  </MuiLink>
                )}
              </TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>
                {deleted ? (
                  <DeletedCellContent
                    deletedAt={hook.deletedAt}
                    restore={<RestoreButton operation="restoreHook" id={hook.id} size="small" accessibleName={`Restore ${hook.name}`} />}
                  />
                ) : (
                  <>
                    <Chip size="small" variant="outlined" label={hook.enabled ? 'Enabled' : 'Disabled'} color={hook.enabled ? 'success' : 'default'} />
                    {/* Saved under older rules: its page says what fails; harvests hold its files. */}
                    {hook.configProblem && <Chip size="small" variant="outlined" color="error" label="Config invalid" sx={{ ml: 1 }} />}
                  </>
                )}
              </TableCell>
            </TableRow>
          ))}
        </DataTable>
      )}
      <Pager
        basePath="/hooks"
        params={{ phase: phase ?? '', kind: kind ?? '', instrumentId, ...(deleted ? { deleted: '1' } : {}) }}
        total={page.total}
        limit={page.limit}
        offset={page.offset}
      />
    </>
  );
}
