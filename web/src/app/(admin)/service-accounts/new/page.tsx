import type { Metadata } from 'next';

import { PageHeader } from '@/components/page-header';

import { ServiceAccountForm } from '../service-account-form';

export const metadata: Metadata = { title: 'New service account' };

export default function NewServiceAccountPage() {
  return (
    <>
      <PageHeader title="New service account" subtitle="Credentials Sheaf uses to read instruments’ SMB shares. The password is stored encrypted and never shown again." />
      <ServiceAccountForm />
    </>
  );
}
