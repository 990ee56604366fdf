import type { Metadata } from 'next';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import TextField from '@mui/material/TextField';

import { EmptyState } from '@/components/empty-state';
import { DateRangeFields, FilterActions, NativeSelect } from '@/components/filter-fields';
import { ListFilterForm, ListToolbar } from '@/components/list-controls';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { loadAll, loadFiltered } from '@/lib/api';
import { fieldErrorProps, fieldMessage } from '@/lib/field-messages';
import { dayBoundary, offsetParam, param } from '@/lib/format';
import { dateRangeErrors, idFilter } from '@/lib/list-filters';

import { AuditEvents } from './audit-events';
import { ACTION_PATTERN, AUDIT_ENTITY_TYPES, ENTITY_TYPE_PATTERN, type AuditFilters } from './audit-data';

export const metadata: Metadata = { title: 'Audit log' };

const LIMIT = 50;
const FROM_LABEL = 'From (UTC day)';
const TO_LABEL = 'To (UTC day)';

/** Admin only: the API answers users 403, which shows as "not found". */
export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const filters: AuditFilters = {
    entityType: param(params, 'entityType'),
    entityId: param(params, 'entityId'),
    action: param(params, 'action'),
    actorUserId: param(params, 'actorUserId'),
    from: param(params, 'from'),
    to: param(params, 'to'),
  };
  const offset = offsetParam(params);
  const [result, users] = await Promise.all([
    loadFiltered('listAuditEvents', {
      query: {
        entityType: ENTITY_TYPE_PATTERN.test(filters.entityType) ? filters.entityType : undefined,
        entityId: filters.entityId.slice(0, 255) || undefined,
        action: ACTION_PATTERN.test(filters.action) ? filters.action : undefined,
        actorUserId: idFilter(filters.actorUserId) || undefined,
        from: dayBoundary(filters.from, false),
        // The API's `to` is exclusive: the end of the chosen day is included.
        to: dayBoundary(filters.to, true),
        limit: LIMIT,
        offset,
      },
    }),
    loadAll('listUsers', {}),
  ]);
  const filtered = Object.values(filters).some(Boolean);
  // A filter the API refused (a to day before the from day) is said at its field; the form stays.
  const refused = result.kind === 'refused' ? result.error : null;
  const shownInline = refused !== null && Object.hasOwn(filters, refused.field);
  const actionGroups = AUDIT_ENTITY_TYPES.filter((t) => !filters.entityType || t.type === filters.entityType);
  const knownActor = users.some((u) => u.id === filters.actorUserId);
  const knownAction = AUDIT_ENTITY_TYPES.some((t) => t.actions.includes(filters.action));

  return (
    <>
      <PageHeader title="Audit log" subtitle="Every configuration and access change: who, when, and the state before and after. Secrets show as ***." />
      <ListToolbar>
        <ListFilterForm action="/audit" label="Filter audit events" columns={{ sm: '1fr 1fr', md: 'repeat(3, 1fr)' }}>
          <NativeSelect name="entityType" label="Entity type" value={filters.entityType} errorText={fieldMessage(refused, 'entityType', 'Entity type')}>
            <option value="">Any entity</option>
            {AUDIT_ENTITY_TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </NativeSelect>
          <NativeSelect name="action" label="Action" value={filters.action} errorText={fieldMessage(refused, 'action', 'Action')}>
            <option value="">Any action</option>
            {filters.action && !knownAction && <option value={filters.action}>{filters.action}</option>}
            {actionGroups.map((t) => (
              <optgroup key={t.type} label={t.label}>
                {t.actions.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </optgroup>
            ))}
          </NativeSelect>
          <NativeSelect name="actorUserId" label="Actor" value={filters.actorUserId} errorText={fieldMessage(refused, 'actorUserId', 'Actor')}>
            <option value="">Anyone</option>
            {filters.actorUserId && !knownActor && <option value={filters.actorUserId}>The chosen user</option>}
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.displayName} ({u.email})
              </option>
            ))}
          </NativeSelect>
          <TextField label="Entity id" size="small" defaultValue={filters.entityId} slotProps={{ htmlInput: { spellCheck: false } }} {...fieldErrorProps(refused, 'entityId', 'Entity id')} />
          <DateRangeFields from={filters.from} to={filters.to} fromLabel={FROM_LABEL} toLabel={TO_LABEL} {...dateRangeErrors(refused, FROM_LABEL, TO_LABEL)} />
          <Box sx={{ gridColumn: { md: '1 / -1' } }}>
            <FilterActions submitLabel="Filter" clearHref="/audit" filtered={filtered} />
          </Box>
        </ListFilterForm>
      </ListToolbar>
      {result.kind === 'refused' ? (
        <Alert severity="error" role="alert">
          {shownInline ? 'These filters cannot be applied: correct the field marked above.' : result.error.message}
        </Alert>
      ) : result.data.items.length === 0 ? (
        <EmptyState message={filtered ? 'No audit event matches these filters.' : 'No audit events yet.'} />
      ) : (
        <AuditEvents events={result.data.items} filters={filters} />
      )}
      {result.kind === 'ok' && <Pager basePath="/audit" params={{ ...filters }} total={result.data.total} limit={result.data.limit} offset={result.data.offset} />}
    </>
  );
}
