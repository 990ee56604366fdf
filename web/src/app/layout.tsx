import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { AppRouterCacheProvider } from '@mui/material-nextjs/v15-appRouter';
import { ThemeProvider } from '@mui/material/styles';
import CssBaseline from '@mui/material/CssBaseline';
import InitColorSchemeScript from '@mui/material/InitColorSchemeScript';

import { COLOR_SCHEME_ATTRIBUTE } from '@/theme/color-scheme';
import { theme } from '@/theme/theme';

export const metadata: Metadata = {
  title: { default: 'Sheaf', template: '%s · Sheaf' },
  description: 'Harvest scientific-instrument data with verified checksums and ARK identifiers',
};

export const viewport: Viewport = { colorScheme: 'light dark' };

/** The only place providers live. */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The colour-scheme script changes <html>'s class before React hydrates.
    <html lang="en" suppressHydrationWarning>
      <body>
        <InitColorSchemeScript attribute={COLOR_SCHEME_ATTRIBUTE} defaultMode="system" />
        <AppRouterCacheProvider>
          <ThemeProvider theme={theme} defaultMode="system" disableTransitionOnChange>
            <CssBaseline enableColorScheme />
            {children}
          </ThemeProvider>
        </AppRouterCacheProvider>
      </body>
    </html>
  );
}
