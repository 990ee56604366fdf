import type { Metadata } from 'next';
import { notFound } from 'next/navigation';

import { PageHeader } from '@/components/page-header';
import { requireCurrentUser } from '@/lib/current-user';

import { ServiceAccountForm } from '../service-account-form';

export const metadata: Metadata = { title: 'New service account' };

/** Admin only (the API refuses users' changes anyway): users see "not found", not a form that cannot save. */
export default async function NewServiceAccountPage() {
  const current = await requireCurrentUser();
  if (current.kind !== 'signed-in' || current.user.role !== 'admin') notFound();

  return (
    <>
      <PageHeader title="New service account" subtitle="Credentials Sheaf uses to read instruments’ SMB shares. The password is stored encrypted and never shown again." />
      <ServiceAccountForm />
    </>
  );
}
