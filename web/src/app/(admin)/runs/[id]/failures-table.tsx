import Link from 'next/link';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { DataTable } from '@/components/data-table';
import { StatusChip } from '@/components/status-chip';
import type { RunFailureDto } from '@/lib/api-types';

/** A run's failed, held and deferred files with the reason each had in that run (the run page and its full list). */
export function FailuresTable({ failures }: { failures: readonly RunFailureDto[] }) {
  return (
    <DataTable label="Failed, held and deferred files" columns={['Path', 'Status', 'Reason']}>
      {failures.map((f) => (
        <TableRow key={f.fileVersionId}>
          <TableCell sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>
            <MuiLink component={Link} href={`/files/${f.fileVersionId}`}>
              {f.path}
            </MuiLink>
          </TableCell>
          <TableCell>
            <StatusChip status={f.status} />
          </TableCell>
          <TableCell>{f.reason ?? '—'}</TableCell>
        </TableRow>
      ))}
    </DataTable>
  );
}
