'use client';

import { startTransition } from 'react';
import { useRouter } from 'next/navigation';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';

import { ErrorBoundaryText } from '@/components/api-error-alert';

/** Errors outside the admin pages' own boundary (the admin layout's: reading the signed-in user). */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  // reset() alone re-renders only the client part: a load that failed on the server (ApiLoadError)
  // would come back as it was. The refresh asks the server again, and the reset shows its answer.
  const retry = () =>
    startTransition(() => {
      router.refresh();
      reset();
    });
  return (
    <Box component="main" sx={{ minHeight: '100dvh', display: 'grid', placeItems: 'center', px: 2 }}>
      <Alert
        severity="error"
        sx={{ maxWidth: 480 }}
        action={
          <Button color="inherit" size="small" onClick={retry}>
            Try again
          </Button>
        }
      >
        <AlertTitle>Something went wrong</AlertTitle>
        <ErrorBoundaryText error={error} fallback="Please try again." />
      </Alert>
    </Box>
  );
}
