import type { Metadata } from 'next';
import { redirect } from 'next/navigation';

import { PageHeader } from '@/components/page-header';
import { load } from '@/lib/api';

import { InstrumentForm } from '../../instrument-form';
import { loadPickerOptions } from '../../picker-options';

export const metadata: Metadata = { title: 'Edit instrument' };

export default async function EditInstrumentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [instrument, { accounts, storageLocations }] = await Promise.all([load('getInstrument', { path: { id } }), loadPickerOptions()]);
  if (instrument.deletedAt) redirect(`/instruments/${id}`);
  return (
    <>
      <PageHeader title={`Edit ${instrument.name}`} />
      <InstrumentForm instrument={instrument} accounts={accounts} storageLocations={storageLocations} />
    </>
  );
}
