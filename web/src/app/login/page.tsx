import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';

import { returnPath } from '@/lib/return-path';
import { SESSION_COOKIE } from '@/lib/session-cookie';

import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

interface LoginPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function LoginPage({ searchParams }: LoginPageProps) {
  const { expired, next } = await searchParams;
  // "Expired" only makes sense when the browser still carries a (now rejected) session.
  const hadSession = (await cookies()).has(SESSION_COOKIE);
  const sessionExpired = expired === '1' && hadSession;

  return (
    <Box
      component="main"
      sx={{
        minHeight: '100dvh',
        display: 'grid',
        placeItems: 'center',
        px: 2,
        py: 4,
        bgcolor: 'background.default',
      }}
    >
      <Paper variant="outlined" sx={{ width: '100%', maxWidth: 400, p: { xs: 3, sm: 4 } }}>
        <Typography component="h1" variant="h4" sx={{ fontWeight: 700, color: 'primary.main' }}>
          Sheaf
        </Typography>
        <Typography variant="body1" color="text.secondary" sx={{ mt: 0.5, mb: 3 }}>
          Sign in to the harvest portal
        </Typography>
        <LoginForm sessionExpired={sessionExpired} next={returnPath(next)} />
      </Paper>
    </Box>
  );
}
