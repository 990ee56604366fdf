'use client';

import { useId, useState, type ReactNode } from 'react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Container from '@mui/material/Container';
import Drawer from '@mui/material/Drawer';
import IconButton from '@mui/material/IconButton';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import ListSubheader from '@mui/material/ListSubheader';
import SvgIcon from '@mui/material/SvgIcon';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';

import { groupNavigation, isCurrentSection, type NavigationItem } from './navigation';

const DRAWER_WIDTH = 232;
/** The top bar's height from `md` up (MUI's toolbar mixin), where the drawer is permanent. */
const TOP_BAR_HEIGHT = 64;

function NavigationLinks({ items, onNavigate }: { items: readonly NavigationItem[]; onNavigate?: () => void }) {
  const pathname = usePathname();
  const idPrefix = useId();
  return (
    <Box component="nav" aria-label="Main" sx={{ py: 1 }}>
      {groupNavigation(items).map(({ group, items: groupItems }) => {
        const headingId = `${idPrefix}-${group}`;
        return (
          <List
            key={group}
            dense
            aria-labelledby={headingId}
            subheader={
              <ListSubheader id={headingId} disableSticky sx={{ lineHeight: 2.5, fontSize: '0.75rem', textTransform: 'uppercase', letterSpacing: '0.06em' }}>
                {group}
              </ListSubheader>
            }
          >
            {groupItems.map((item) => {
              const current = isCurrentSection(item.href, pathname);
              return (
                <ListItemButton
                  key={item.href}
                  component={Link}
                  href={item.href}
                  selected={current}
                  aria-current={current ? 'page' : undefined}
                  onClick={onNavigate}
                  sx={{ mx: 1, borderRadius: 1 }}
                >
                  <ListItemText primary={item.label} slotProps={{ primary: { sx: { fontWeight: current ? 600 : 400 } } }} />
                </ListItemButton>
              );
            })}
          </List>
        );
      })}
    </Box>
  );
}

/**
 * The admin area's frame: the top bar (brand, `actions`), the navigation in a side drawer —
 * permanent from `md` up, behind a menu button below — and the page.
 */
export function SideNavigationFrame({ items, actions, children }: { items: readonly NavigationItem[]; actions: ReactNode; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const drawerId = useId();
  return (
    <Box sx={{ minHeight: '100dvh', bgcolor: 'background.default' }}>
      <AppBar position="sticky" sx={{ borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper', zIndex: (theme) => theme.zIndex.drawer + 1 }}>
        <Toolbar sx={{ gap: 2 }}>
          <IconButton
            edge="start"
            color="inherit"
            aria-label={open ? 'Close navigation' : 'Open navigation'}
            aria-controls={open ? drawerId : undefined}
            aria-expanded={open}
            onClick={() => setOpen((wasOpen) => !wasOpen)}
            sx={{ display: { md: 'none' } }}
          >
            {/* Material Symbols "menu" */}
            <SvgIcon>
              <path d="M3 18h18v-2H3zm0-5h18v-2H3zm0-7v2h18V6z" />
            </SvgIcon>
          </IconButton>
          <Typography component={Link} href="/" variant="h6" sx={{ fontWeight: 700, color: 'primary.main', textDecoration: 'none', flexGrow: 1 }}>
            Sheaf
          </Typography>
          {actions}
        </Toolbar>
      </AppBar>
      <Box sx={{ display: 'flex' }}>
        <Drawer
          variant="permanent"
          // The column runs the page's full height; the list inside stays in view while the page scrolls.
          sx={{
            display: { xs: 'none', md: 'block' },
            width: DRAWER_WIDTH,
            flexShrink: 0,
            bgcolor: 'background.paper',
            borderRight: 1,
            borderColor: 'divider',
            '& .MuiDrawer-paper': {
              position: 'sticky',
              top: TOP_BAR_HEIGHT,
              height: `calc(100dvh - ${TOP_BAR_HEIGHT}px)`,
              width: '100%',
              borderRight: 0,
            },
          }}
        >
          <NavigationLinks items={items} />
        </Drawer>
        <Drawer
          id={drawerId}
          variant="temporary"
          open={open}
          onClose={() => setOpen(false)}
          sx={{ display: { md: 'none' }, '& .MuiDrawer-paper': { width: DRAWER_WIDTH } }}
        >
          {/* The top bar stays above the drawer (menu button included): the list starts below it. */}
          <Toolbar />
          <NavigationLinks items={items} onNavigate={() => setOpen(false)} />
        </Drawer>
        <Container component="main" maxWidth="lg" sx={{ py: 4, minWidth: 0 }}>
          {children}
        </Container>
      </Box>
    </Box>
  );
}
