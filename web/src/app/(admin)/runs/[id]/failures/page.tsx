import type { Metadata } from 'next';
import Link from 'next/link';
import MuiLink from '@mui/material/Link';

import { EmptyState } from '@/components/empty-state';
import { FilterActions, NativeSelect } from '@/components/filter-fields';
import { ListFilterForm, ListToolbar } from '@/components/list-controls';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { load } from '@/lib/api';
import { offsetParam, oneOf, param } from '@/lib/format';

import { FailuresTable } from '../failures-table';

export const metadata: Metadata = { title: 'Failed, held and deferred files' };

const LIMIT = 100;
const STATUSES = ['failed', 'held', 'deferred'] as const;

/** Every failed, held and deferred file of one run, a page at a time in the order its batches took them (the run page shows the first 50). */
export default async function RunFailuresPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const search = await searchParams;
  const status = oneOf(param(search, 'status'), STATUSES);
  const offset = offsetParam(search);
  const [run, page] = await Promise.all([
    load('getHarvest', { path: { id } }),
    load('listHarvestFailures', { path: { id }, query: { status, limit: LIMIT, offset } }),
  ]);
  const basePath = `/runs/${id}/failures`;

  return (
    <>
      <PageHeader
        title={`Failed, held and deferred files of a run of ${run.instrumentName}`}
        subtitle={
          <MuiLink component={Link} href={`/runs/${id}`}>
            Back to the run
          </MuiLink>
        }
      />
      <ListToolbar>
        <ListFilterForm action={basePath} label="Filter failed, held and deferred files" columns={{ sm: '1fr 2fr', md: '1fr 2fr' }}>
          <NativeSelect name="status" label="Status" value={status ?? ''}>
            <option value="">Failed, held and deferred</option>
            <option value="failed">Failed</option>
            <option value="held">Held</option>
            <option value="deferred">Deferred</option>
          </NativeSelect>
          <FilterActions submitLabel="Filter" clearHref={basePath} filtered={status !== undefined} />
        </ListFilterForm>
      </ListToolbar>
      {page.items.length === 0 ? (
        <EmptyState message={status ? `No ${status} files in this run.` : 'No failed, held or deferred files in this run.'} />
      ) : (
        <FailuresTable failures={page.items} />
      )}
      <Pager basePath={basePath} params={{ status: status ?? '' }} total={page.total} limit={page.limit} offset={page.offset} />
    </>
  );
}
