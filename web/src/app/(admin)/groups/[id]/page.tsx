import type { Metadata } from 'next';

import { AccessDetailPage } from '../../_access/access-detail-page';

export const metadata: Metadata = { title: 'Group' };

/** Admin only: the API answers users 403, which shows as "not found". */
export default async function GroupPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <AccessDetailPage kind="group" id={id} />;
}
