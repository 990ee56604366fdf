import type { Metadata } from 'next';

import { PageHeader } from '@/components/page-header';

import { InstrumentForm } from '../instrument-form';
import { loadPickerOptions } from '../picker-options';

export const metadata: Metadata = { title: 'New instrument' };

/** Admin only: the pickers' lists are admin-only in the API, so users see "not found". */
export default async function NewInstrumentPage() {
  const { accounts, storageLocations } = await loadPickerOptions();
  return (
    <>
      <PageHeader title="New instrument" subtitle="Where Sheaf harvests from, and where it delivers the files." />
      <InstrumentForm accounts={accounts} storageLocations={storageLocations} />
    </>
  );
}
