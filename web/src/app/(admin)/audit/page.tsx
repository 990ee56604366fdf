import type { Metadata } from 'next';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';

import { EmptyState } from '@/components/empty-state';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { load } from '@/lib/api';
import { formatDateTime, offsetParam } from '@/lib/format';

export const metadata: Metadata = { title: 'Audit log' };

/** Admin only: the API answers users 403, which shows as "not found". */
export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const offset = offsetParam(await searchParams);
  const page = await load('listAuditEvents', { query: { limit: 50, offset } });
  return (
    <>
      <PageHeader title="Audit log" subtitle="Every configuration and access change, newest first." />
      {page.items.length === 0 ? (
        <EmptyState message="No audit events yet." />
      ) : (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" aria-label="Audit events">
            <TableHead>
              <TableRow>
                <TableCell>When</TableCell>
                <TableCell>Actor</TableCell>
                <TableCell>Action</TableCell>
                <TableCell>Entity</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {page.items.map((e) => (
                <TableRow key={e.id}>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.at)}</TableCell>
                  <TableCell>{e.actor || 'system'}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{e.action}</TableCell>
                  <TableCell>
                    {e.entityType} {e.entityId}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      <Pager basePath="/audit" params={{}} total={page.total} limit={page.limit} offset={page.offset} />
    </>
  );
}
