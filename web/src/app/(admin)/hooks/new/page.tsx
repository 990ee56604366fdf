import type { Metadata } from 'next';

import { PageHeader } from '@/components/page-header';
import { load, loadAll } from '@/lib/api';

import { HookForm } from '../hook-form';

export const metadata: Metadata = { title: 'New hook' };

/** Admin only: listing the kinds is refused to users (403 shows as "not found"). */
export default async function NewHookPage() {
  const [kinds, instruments] = await Promise.all([load('listHookKinds', {}), loadAll('listInstruments', {})]);
  return (
    <>
      <PageHeader title="New hook" subtitle="A step every harvest runs, for all instruments or for one." />
      <HookForm kinds={kinds} instruments={instruments.map(({ id, name }) => ({ id, name }))} />
    </>
  );
}
