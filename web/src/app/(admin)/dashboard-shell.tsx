import type { ReactNode } from 'react';
import Link from 'next/link';
import type { UserSummary } from '@sheaf/contracts';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';

import { NotificationBell } from '@/components/notification-bell';
import { SessionEndedBanner } from '@/components/session-ended-banner';
import { ThemeSwitch } from '@/components/theme-switch';

import { LogoutButton } from './logout-button';
import { navigationFor } from './navigation';
import { SideNavigationFrame } from './side-navigation';

export function DashboardShell({ user, children }: { user: UserSummary; children: ReactNode }) {
  const actions = (
    <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center', flexShrink: 0 }}>
      <NotificationBell />
      <Box
        component={Link}
        href="/account"
        title="Your account"
        sx={{ textAlign: 'right', display: { xs: 'none', sm: 'block' }, color: 'inherit', textDecoration: 'none', borderRadius: 1, px: 0.5, '&:hover': { bgcolor: 'action.hover' } }}
      >
        <Typography variant="body2" sx={{ fontWeight: 600, lineHeight: 1.2 }}>
          {user.displayName}
        </Typography>
        <Typography variant="caption" color="text.secondary">
          {user.email}
        </Typography>
      </Box>
      {/* Below `sm` the bar keeps only what fits a phone's width: the account is in the menu, the role on its page. */}
      <Chip label={user.role} size="small" color={user.role === 'admin' ? 'primary' : 'default'} variant="outlined" sx={{ display: { xs: 'none', sm: 'inline-flex' } }} />
      <ThemeSwitch />
      <LogoutButton />
    </Stack>
  );
  return (
    <SideNavigationFrame items={navigationFor(user.role)} actions={actions}>
      <SessionEndedBanner />
      {children}
    </SideNavigationFrame>
  );
}
