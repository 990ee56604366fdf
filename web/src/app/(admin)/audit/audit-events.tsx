'use client';

import { Fragment, useState } from 'react';
import Link from 'next/link';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import FormControlLabel from '@mui/material/FormControlLabel';
import MuiLink from '@mui/material/Link';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';

import { DataTable } from '@/components/data-table';
import type { AuditEventDto } from '@/lib/api-types';
import { formatDateTime } from '@/lib/format';

import {
  actionVerb,
  auditDiff,
  auditHref,
  changedFields,
  entityHref,
  entityName,
  entityTypeLabel,
  formatAuditValue,
  NO_AUDIT_FILTERS,
  relationSummary,
  SECRET,
  shortId,
  type AuditFilters,
  type Change,
  type DiffRow,
} from './audit-data';

const CHANGE_LABELS: Record<Change, string> = { added: 'added', removed: 'removed', changed: 'changed', unchanged: 'same' };

function Value({ value }: { value: unknown }) {
  if (value === SECRET) return <Chip size="small" label="secret (hidden)" variant="outlined" />;
  const text = formatAuditValue(value);
  return (
    <Box component="span" sx={{ fontFamily: 'monospace', fontSize: '0.8125rem', whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', color: value === undefined || value === null ? 'text.secondary' : 'text.primary' }}>
      {text}
    </Box>
  );
}

/** The field-by-field before/after of one event; unchanged fields are hidden unless asked for. */
function EventDiff({ event }: { event: AuditEventDto }) {
  const rows = auditDiff(event.before, event.after);
  const hasChanges = rows.some((r) => r.change !== 'unchanged');
  const [showAll, setShowAll] = useState(!hasChanges);
  const shown = showAll ? rows : rows.filter((r) => r.change !== 'unchanged');
  const unchanged = rows.length - rows.filter((r) => r.change !== 'unchanged').length;

  if (rows.length === 0) {
    return <Typography color="text.secondary">This event records no before or after state.</Typography>;
  }
  return (
    <Box>
      <Table size="small" aria-label={`Changes of event ${event.id}`} sx={{ '& td, & th': { verticalAlign: 'top' } }}>
        <TableHead>
          <TableRow>
            <TableCell sx={{ width: '22%' }}>Field</TableCell>
            <TableCell sx={{ width: '10%' }}>Change</TableCell>
            <TableCell sx={{ width: '34%' }}>Before</TableCell>
            <TableCell sx={{ width: '34%' }}>After</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {shown.map((row: DiffRow) => (
            <TableRow
              key={row.field}
              sx={{
                bgcolor: row.change === 'changed' ? 'action.hover' : undefined,
                '& td:nth-of-type(3)': row.change === 'changed' || row.change === 'removed' ? { textDecoration: 'line-through', textDecorationColor: 'var(--mui-palette-error-main)' } : {},
              }}
            >
              <TableCell sx={{ fontFamily: 'monospace', fontSize: '0.8125rem', overflowWrap: 'anywhere' }}>{row.field}</TableCell>
              <TableCell>
                <Typography variant="caption" sx={{ fontWeight: 600, color: row.change === 'unchanged' ? 'text.secondary' : row.change === 'removed' ? 'error.main' : 'success.main' }}>
                  {CHANGE_LABELS[row.change]}
                </Typography>
              </TableCell>
              <TableCell>
                <Value value={row.before} />
              </TableCell>
              <TableCell>
                <Value value={row.after} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {hasChanges && unchanged > 0 && (
        <FormControlLabel
          sx={{ mt: 1 }}
          control={<Switch size="small" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} />}
          label={`Show unchanged fields (${unchanged})`}
        />
      )}
    </Box>
  );
}

/** What an event changed, in one line: the changed fields of an update, or the other side of a relation. */
function summary(event: AuditEventDto): string {
  const relation = relationSummary(event);
  if (relation) return relation;
  if (event.before && event.after) {
    const fields = changedFields(auditDiff(event.before, event.after));
    if (fields.length > 0) return fields.length <= 3 ? fields.join(', ') : `${fields.slice(0, 3).join(', ')} and ${fields.length - 3} more`;
  }
  return '';
}

/** Audit events with an expandable before/after view per row; actors and entities link to filters. */
export function AuditEvents({ events, filters }: { events: AuditEventDto[]; filters: AuditFilters }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <DataTable label="Audit events" columns={['When', 'Actor', 'Action', 'Entity', { label: 'Before / after', align: 'right' }]}>
      {events.map((e) => {
        const expanded = open.has(e.id);
        const detailsId = `audit-event-${e.id}`;
        const name = entityName(e);
        const href = entityHref(e.entityType, e.entityId);
        const changed = summary(e);
        return (
          <Fragment key={e.id}>
            <TableRow sx={{ '& > td': { borderBottom: expanded ? 0 : undefined } }}>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.at)}</TableCell>
              <TableCell sx={{ overflowWrap: 'anywhere' }}>
                {e.actorUserId ? (
                  <MuiLink component={Link} href={auditHref(filters, { actorUserId: e.actorUserId })} title="Only this actor’s events">
                    {e.actor}
                  </MuiLink>
                ) : (
                  e.actor || 'system'
                )}
              </TableCell>
              <TableCell>
                <Box component="span" sx={{ fontFamily: 'monospace', fontSize: '0.8125rem' }}>
                  {e.action}
                </Box>
                {changed && (
                  <Typography variant="caption" color="text.secondary" component="div">
                    {changed}
                  </Typography>
                )}
              </TableCell>
              <TableCell sx={{ overflowWrap: 'anywhere' }}>
                <Typography variant="caption" color="text.secondary" component="div">
                  {entityTypeLabel(e.entityType)} {actionVerb(e.action)}
                </Typography>
                {href ? (
                  <MuiLink component={Link} href={href} title={e.entityId}>
                    {name ?? shortId(e.entityId)}
                  </MuiLink>
                ) : (
                  <span title={e.entityId}>{name ?? shortId(e.entityId)}</span>
                )}{' '}
                <MuiLink
                  component={Link}
                  href={auditHref(NO_AUDIT_FILTERS, { entityType: e.entityType, entityId: e.entityId })}
                  variant="caption"
                  aria-label={`History of ${name ?? `${entityTypeLabel(e.entityType).toLowerCase()} ${shortId(e.entityId)}`}`}
                >
                  history
                </MuiLink>
              </TableCell>
              <TableCell align="right">
                <Button
                  size="small"
                  variant="outlined"
                  aria-expanded={expanded}
                  aria-controls={expanded ? detailsId : undefined}
                  aria-label={`Details of ${e.action} on ${name ?? shortId(e.entityId)}`}
                  onClick={() => toggle(e.id)}
                >
                  Details
                </Button>
              </TableCell>
            </TableRow>
            {expanded && (
              <TableRow>
                <TableCell colSpan={5} id={detailsId} sx={{ bgcolor: 'background.default', px: { xs: 1, sm: 3 }, py: 2 }}>
                  <EventDiff event={e} />
                </TableCell>
              </TableRow>
            )}
          </Fragment>
        );
      })}
    </DataTable>
  );
}
