import type { Metadata } from 'next';

import { AccessListPage } from '../_access/access-list-page';

export const metadata: Metadata = { title: 'Groups' };

/** Admin only: the API answers users 403, which shows as "not found". */
export default async function GroupsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  return <AccessListPage kind="group" searchParams={await searchParams} />;
}
