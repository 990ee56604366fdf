'use client';

import { createTheme } from '@mui/material/styles';

import { COLOR_SCHEME_ATTRIBUTE } from './color-scheme';

/** All of the portal's theme tokens, for both colour schemes, as CSS variables (no flash on load). */
export const theme = createTheme({
  cssVariables: { colorSchemeSelector: COLOR_SCHEME_ATTRIBUTE },
  colorSchemes: {
    light: {
      palette: {
        primary: { main: '#2f6b3f' },
        secondary: { main: '#8a6d1f' },
        background: { default: '#f5f6f3', paper: '#ffffff' },
      },
    },
    dark: {
      palette: {
        primary: { main: '#7cc48f' },
        secondary: { main: '#d9b75c' },
        background: { default: '#111412', paper: '#1a1e1b' },
      },
    },
  },
  shape: { borderRadius: 8 },
  typography: {
    fontFamily:
      'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif',
    button: { textTransform: 'none', fontWeight: 600 },
  },
  components: {
    MuiAppBar: { defaultProps: { elevation: 0, color: 'default' } },
    MuiTextField: { defaultProps: { fullWidth: true } },
  },
});
