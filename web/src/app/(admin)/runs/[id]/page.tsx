import type { Metadata } from 'next';
import Link from 'next/link';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { FilePathCell } from '@/components/file-path-cell';
import { PageHeader, Section } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { StatusChip } from '@/components/status-chip';
import { load, loadTogether } from '@/lib/api';
import { formatBytes, formatDateTime, offsetParam } from '@/lib/format';

import { RunLive } from './run-live';

export const metadata: Metadata = { title: 'Run' };

const LIMIT = 50;

export default async function RunPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const offset = offsetParam(await searchParams);
  const [run, transfers] = await loadTogether([
    load('getHarvest', { path: { id } }),
    load('listTransfers', { query: { runId: id, limit: LIMIT, offset } }),
  ]);

  return (
    <>
      <PageHeader
        title={`Run of ${run.instrumentName}`}
        subtitle={
          <MuiLink component={Link} href={`/instruments/${run.instrumentId}`}>
            Instrument {run.instrumentName}
          </MuiLink>
        }
      />
      <RunLive initial={run} transfersFirstPage={offset === 0} />
      <Section title="Per-file outcomes (copy attempts)">
        {transfers.items.length === 0 ? (
          <EmptyState message={run.phase === 'finished' ? 'This run made no copy attempts.' : 'No copy attempts recorded for this run yet.'} />
        ) : (
          <DataTable label="Per-file outcomes" columns={['Path', 'Destination', 'Attempt', 'Outcome', { label: 'Bytes', align: 'right' }, 'When']}>
            {transfers.items.map((t) => (
              <TableRow key={t.id}>
                <FilePathCell fileVersionId={t.fileVersionId} path={t.path} />
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{t.storageLocationName}</TableCell>
                <TableCell>{t.attempt}</TableCell>
                <TableCell>
                  <StatusChip status={t.status} /> {t.error ?? ''}
                </TableCell>
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{formatBytes(t.bytes)}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(t.createdAt)}</TableCell>
              </TableRow>
            ))}
          </DataTable>
        )}
        <Pager basePath={`/runs/${id}`} params={{}} total={transfers.total} limit={transfers.limit} offset={transfers.offset} />
      </Section>
    </>
  );
}
