import Link from 'next/link';
import Box from '@mui/material/Box';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { StatusChip } from '@/components/status-chip';
import { formatDateTime } from '@/lib/format';

import type { InstrumentHealth } from './activity';

function NextRun({ row }: { row: InstrumentHealth }) {
  if (!row.enabled) return <>Instrument disabled</>;
  if (row.schedules === 0) return <Typography variant="body2" color="text.secondary">Not scheduled</Typography>;
  if (row.nextRunAt) {
    return (
      <>
        {formatDateTime(row.nextRunAt)}
        {row.nextRunFromCron && (
          <Typography component="div" variant="caption" color="text.secondary">
            By the cron expression, not Temporal&apos;s plan
          </Typography>
        )}
      </>
    );
  }
  return (
    <Typography variant="body2" color="text.secondary">
      None planned
    </Typography>
  );
}

/** Per instrument: last run, next scheduled run, newest error of the activity window. */
export function InstrumentHealthTable({ rows, total, days }: { rows: InstrumentHealth[]; total: number; days: number }) {
  if (rows.length === 0) return <EmptyState message="No instruments yet." />;
  return (
    <>
      <DataTable label="Instrument health" columns={['Instrument', 'Last run', 'Next scheduled run', `Last error (${days} days)`]}>
        {rows.map((row) => (
          <TableRow key={row.id}>
            <TableCell>
              <MuiLink component={Link} href={`/instruments/${row.id}`} sx={{ fontWeight: 600 }}>
                {row.name}
              </MuiLink>
            </TableCell>
            <TableCell>
              {row.lastRun ? (
                <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
                  <MuiLink component={Link} href={`/runs/${row.lastRun.id}`} aria-label={`Last run: ${row.lastRun.status}`}>
                    <StatusChip status={row.lastRun.status} />
                  </MuiLink>
                  <Typography variant="body2" color="text.secondary" sx={{ whiteSpace: 'nowrap' }}>
                    {formatDateTime(row.lastRun.finishedAt ?? row.lastRun.createdAt)}
                  </Typography>
                </Box>
              ) : (
                <Typography variant="body2" color="text.secondary">
                  Never run
                </Typography>
              )}
            </TableCell>
            <TableCell sx={{ whiteSpace: 'nowrap' }}>
              <NextRun row={row} />
            </TableCell>
            <TableCell sx={{ maxWidth: 360 }}>
              {row.lastError ? (
                <>
                  <MuiLink component={Link} href={`/runs/${row.lastError.runId}`} color="error" sx={{ overflowWrap: 'anywhere' }}>
                    {row.lastError.message}
                  </MuiLink>
                  <Typography variant="caption" color="text.secondary" component="div">
                    {formatDateTime(row.lastError.at)}
                  </Typography>
                </>
              ) : (
                <Typography variant="body2" color="text.secondary">
                  None
                </Typography>
              )}
            </TableCell>
          </TableRow>
        ))}
      </DataTable>
      {total > rows.length && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
          Showing {rows.length} of {total} instruments. <MuiLink component={Link} href="/instruments">All instruments</MuiLink>
        </Typography>
      )}
    </>
  );
}
