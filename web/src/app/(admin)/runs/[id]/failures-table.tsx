import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { DataTable } from '@/components/data-table';
import { FilePathCell } from '@/components/file-path-cell';
import { StatusChip } from '@/components/status-chip';
import type { RunFailureDto } from '@/lib/api-types';

/** A run's failed, held and deferred files with the reason each had in that run (the run page and its full list). */
export function FailuresTable({ failures }: { failures: readonly RunFailureDto[] }) {
  return (
    <DataTable label="Failed, held and deferred files" columns={['Path', 'Status', 'Reason']}>
      {failures.map((f) => (
        <TableRow key={f.fileVersionId}>
          <FilePathCell fileVersionId={f.fileVersionId} path={f.path} />
          <TableCell>
            <StatusChip status={f.status} />
          </TableCell>
          <TableCell>{f.reason ?? '—'}</TableCell>
        </TableRow>
      ))}
    </DataTable>
  );
}
