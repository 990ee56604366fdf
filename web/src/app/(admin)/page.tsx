import type { Metadata } from 'next';
import Typography from '@mui/material/Typography';

import { requireCurrentUser } from '@/lib/current-user';

export const metadata: Metadata = { title: 'Dashboard' };

export default async function DashboardPage() {
  // Pages check for themselves too: a layout is not re-rendered on every navigation.
  const current = await requireCurrentUser();
  const name = current.kind === 'signed-in' ? current.user.displayName : '';

  return (
    <>
      <Typography component="h1" variant="h4" sx={{ fontWeight: 700 }}>
        Dashboard
      </Typography>
      <Typography variant="body1" color="text.secondary" sx={{ mt: 1 }}>
        Welcome{name ? `, ${name}` : ''}. The dashboard is coming soon: runs in progress, recent failures,
        harvest volume and instrument health will appear here.
      </Typography>
    </>
  );
}
