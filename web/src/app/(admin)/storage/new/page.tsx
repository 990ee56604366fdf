import type { Metadata } from 'next';

import { PageHeader } from '@/components/page-header';

import { StorageLocationForm } from '../storage-form';

export const metadata: Metadata = { title: 'New storage location' };

export default function NewStorageLocationPage() {
  return (
    <>
      <PageHeader title="New storage location" subtitle="A place where harvested files are delivered. Secrets are stored encrypted and never shown again." />
      <StorageLocationForm />
    </>
  );
}
