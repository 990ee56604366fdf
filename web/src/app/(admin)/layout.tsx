import type { ReactNode } from 'react';

import { requireCurrentUser } from '@/lib/current-user';

import { ApiUnavailable } from './api-unavailable';
import { DashboardShell } from './dashboard-shell';

export const dynamic = 'force-dynamic';

/** Every page in the admin area is signed-in only and rendered inside the one dashboard shell. */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const current = await requireCurrentUser();
  if (current.kind === 'api-unreachable') return <ApiUnavailable />;
  return <DashboardShell user={current.user}>{children}</DashboardShell>;
}
