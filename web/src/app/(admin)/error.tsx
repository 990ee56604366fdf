'use client';

import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Button from '@mui/material/Button';

/** Error state of every admin page, inside the shell so navigation stays usable. */
export default function AdminError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <Alert
      severity="error"
      role="alert"
      action={
        <Button color="inherit" size="small" onClick={reset}>
          Try again
        </Button>
      }
    >
      <AlertTitle>This page could not be loaded</AlertTitle>
      {error.digest ? `Reference: ${error.digest}` : error.message}
    </Alert>
  );
}
