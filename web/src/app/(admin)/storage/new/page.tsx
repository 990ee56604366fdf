import type { Metadata } from 'next';
import { notFound } from 'next/navigation';

import { PageHeader } from '@/components/page-header';
import { requireCurrentUser } from '@/lib/current-user';

import { StorageLocationForm } from '../storage-form';

export const metadata: Metadata = { title: 'New storage location' };

/** Admin only (the API refuses users' changes anyway): users see "not found", not a form that cannot save. */
export default async function NewStorageLocationPage() {
  const current = await requireCurrentUser();
  if (current.kind !== 'signed-in' || current.user.role !== 'admin') notFound();

  return (
    <>
      <PageHeader title="New storage location" subtitle="A place where harvested files are delivered. Secrets are stored encrypted and never shown again." />
      <StorageLocationForm />
    </>
  );
}
