import type { Metadata } from 'next';
import { notFound } from 'next/navigation';

import { PageHeader } from '@/components/page-header';
import { loadAll } from '@/lib/api';
import { requireCurrentUser } from '@/lib/current-user';
import { param } from '@/lib/format';

import { ScheduleForm } from '../schedule-form';

export const metadata: Metadata = { title: 'New schedule' };

/** Admin only (the API refuses users' changes anyway); `?instrumentId=` preselects the instrument. */
export default async function NewSchedulePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const instrumentId = param(await searchParams, 'instrumentId');
  const [current, instruments] = await Promise.all([requireCurrentUser(), loadAll('listInstruments', {})]);
  if (current.kind !== 'signed-in' || current.user.role !== 'admin') notFound();

  return (
    <>
      <PageHeader title="New schedule" subtitle="Harvest an instrument on a timetable. Sheaf creates the matching Temporal Schedule." />
      <ScheduleForm instruments={instruments.map(({ id, name }) => ({ id, name }))} instrumentId={instrumentId || undefined} />
    </>
  );
}
