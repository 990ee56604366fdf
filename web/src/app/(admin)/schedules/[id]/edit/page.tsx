import type { Metadata } from 'next';
import { notFound } from 'next/navigation';

import { PageHeader } from '@/components/page-header';
import { load } from '@/lib/api';
import { requireCurrentUser } from '@/lib/current-user';

import { ScheduleForm } from '../../schedule-form';

export const metadata: Metadata = { title: 'Edit schedule' };

export default async function EditSchedulePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [current, schedule] = await Promise.all([requireCurrentUser(), load('getSchedule', { path: { id } })]);
  if (current.kind !== 'signed-in' || current.user.role !== 'admin' || schedule.deletedAt) notFound();

  return (
    <>
      <PageHeader title={`Edit schedule of ${schedule.instrumentName}`} />
      <ScheduleForm schedule={schedule} instruments={[]} />
    </>
  );
}
