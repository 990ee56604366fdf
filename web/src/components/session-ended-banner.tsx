'use client';

import Alert from '@mui/material/Alert';
import Link from '@mui/material/Link';

import { useSessionEnded } from '@/lib/session-state';

/** Shown once the API says the session ended; what the page holds (an open form) stays. */
export function SessionEndedBanner() {
  const ended = useSessionEnded();
  if (!ended) return null;
  return (
    <Alert severity="warning" role="alert" sx={{ mb: 2 }}>
      Your session has ended.{' '}
      <Link href="/login" target="_blank" rel="noopener">
        Sign in again in a new tab
      </Link>
      , then save or retry here: what you typed on this page is kept.
    </Alert>
  );
}
