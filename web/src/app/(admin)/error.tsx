'use client';

import { startTransition } from 'react';
import { useRouter } from 'next/navigation';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Button from '@mui/material/Button';

import { ErrorBoundaryText } from '@/components/api-error-alert';

/**
 * Error state of every admin page, inside the shell so navigation stays usable. A load the API
 * refused or did not answer says what the API answered (see ApiLoadError); anything else has
 * only Next.js's reference in production.
 */
export default function AdminError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  // reset() alone re-renders only the client part: a load that failed on the server (ApiLoadError)
  // would come back as it was. The refresh asks the server again, and the reset shows its answer.
  const retry = () =>
    startTransition(() => {
      router.refresh();
      reset();
    });
  return (
    <Alert
      severity="error"
      role="alert"
      action={
        <Button color="inherit" size="small" onClick={retry}>
          Try again
        </Button>
      }
    >
      <AlertTitle>This page could not be loaded</AlertTitle>
      <ErrorBoundaryText error={error} fallback={error.message} />
    </Alert>
  );
}
