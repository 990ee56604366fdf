import type { ReactNode } from 'react';
import Link from 'next/link';
import type { UserSummary } from '@sheaf/contracts';
import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Container from '@mui/material/Container';
import Stack from '@mui/material/Stack';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';

import { NotificationBell } from '@/components/notification-bell';
import { ThemeSwitch } from '@/components/theme-switch';

import { LogoutButton } from './logout-button';
import { navigationFor } from './navigation';

export function DashboardShell({ user, children }: { user: UserSummary; children: ReactNode }) {
  return (
    <Box sx={{ minHeight: '100dvh', bgcolor: 'background.default' }}>
      <AppBar position="sticky" sx={{ borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper' }}>
        <Toolbar sx={{ gap: 2 }}>
          <Typography
            component={Link}
            href="/"
            variant="h6"
            sx={{ fontWeight: 700, color: 'primary.main', textDecoration: 'none' }}
          >
            Sheaf
          </Typography>
          <Box component="nav" aria-label="Main" sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, flexGrow: 1 }}>
            {navigationFor(user.role).map((item) => (
              <Button key={item.href} component={Link} href={item.href} color="inherit">
                {item.label}
              </Button>
            ))}
          </Box>
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
            <Chip label={user.role} size="small" color={user.role === 'admin' ? 'primary' : 'default'} variant="outlined" />
            <ThemeSwitch />
            <LogoutButton />
          </Stack>
        </Toolbar>
      </AppBar>
      <Container component="main" maxWidth="lg" sx={{ py: 4 }}>
        {children}
      </Container>
    </Box>
  );
}
