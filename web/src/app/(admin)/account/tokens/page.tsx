import type { Metadata } from 'next';
import Link from 'next/link';
import Button from '@mui/material/Button';

import { EmptyState } from '@/components/empty-state';
import { PageHeader } from '@/components/page-header';
import { Pager } from '@/components/pager';
import { load } from '@/lib/api';
import { offsetParam } from '@/lib/format';

import { NewTokenButton } from './new-token-button';
import { TokenTable } from './token-table';

export const metadata: Metadata = { title: 'API tokens' };

const LIMIT = 50;

/** The signed-in user's own API tokens (everyone has this page; the API lists only one's own). */
export default async function TokensPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const offset = offsetParam(await searchParams);
  const page = await load('listApiTokens', { query: { limit: LIMIT, offset } });

  return (
    <>
      <Button component={Link} href="/account" size="small" sx={{ mb: 1 }}>
        ← Account
      </Button>
      <PageHeader
        title="API tokens"
        subtitle="For scripts and integrations that call the Sheaf API as you. A token is shown once, when it is created."
        actions={<NewTokenButton />}
      />
      {page.items.length === 0 ? (
        <EmptyState message="You have no API tokens." />
      ) : (
        <TokenTable tokens={page.items} now={new Date().toISOString()} />
      )}
      <Pager basePath="/account/tokens" params={{}} total={page.total} limit={page.limit} offset={page.offset} />
    </>
  );
}
