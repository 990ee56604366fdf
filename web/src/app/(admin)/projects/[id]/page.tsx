import type { Metadata } from 'next';

import { AccessDetailPage } from '../../_access/access-detail-page';

export const metadata: Metadata = { title: 'Project' };

/** Admin only: the API answers users 403, which shows as "not found". */
export default async function ProjectPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <AccessDetailPage kind="project" id={id} />;
}
