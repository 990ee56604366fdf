import type { Metadata } from 'next';
import Link from 'next/link';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';

export const metadata: Metadata = { title: 'Not found' };

/** Addresses no page answers (inside the admin area, its own not-found page speaks for hidden items). */
export default function NotFound() {
  return (
    <Box component="main" sx={{ minHeight: '100dvh', display: 'grid', placeItems: 'center', px: 2, bgcolor: 'background.default' }}>
      <Paper variant="outlined" sx={{ maxWidth: 480, p: { xs: 3, sm: 4 } }}>
        <Typography component="h1" variant="h4" sx={{ fontWeight: 700 }}>
          Page not found
        </Typography>
        <Typography color="text.secondary" sx={{ mt: 1, mb: 3 }}>
          Nothing lives at this address. Check the link, or start again from the dashboard.
        </Typography>
        <Button component={Link} href="/" variant="contained">
          Go to the dashboard
        </Button>
      </Paper>
    </Box>
  );
}
