'use client';

import type { ApiError } from '@sheaf/contracts';
import Link from 'next/link';
import Alert, { type AlertProps } from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';

import { apiErrorCaption, apiErrorOfDigest } from '@/lib/api-failure';

/** The HTTP status and the API's error code, small, under its message. */
export function ApiErrorCaption({ error }: { error: Pick<ApiError, 'statusCode' | 'code'> }) {
  return (
    <Typography component="div" variant="caption" sx={{ mt: 0.5, opacity: 0.85 }}>
      {apiErrorCaption(error)}
    </Typography>
  );
}

/**
 * What an error boundary says of its error: the API's answer when the digest carries one (a
 * page load the API refused or did not answer: see ApiLoadError), else Next.js's reference
 * (production), else `fallback`.
 */
export function ErrorBoundaryText({ error, fallback }: { error: Error & { digest?: string }; fallback: string }) {
  const apiError = apiErrorOfDigest(error.digest);
  if (apiError) {
    return (
      <>
        {apiError.message}
        <ApiErrorCaption error={apiError} />
      </>
    );
  }
  return <>{error.digest ? `Reference: ${error.digest}` : fallback}</>;
}

/**
 * A form's error from the API, unless it belongs to a field the form shows inline (then the
 * field's helper text carries it). `inlineFields` are the API's field names (`config.path`).
 * An error about a run (a harvest is running: `harvest_running`, and others with `runId`) links
 * to that run, to follow or cancel it. Under the message: the HTTP status and the API's code.
 */
export function ApiErrorAlert({ error, inlineFields = [], sx }: { error: ApiError | null; inlineFields?: readonly string[]; sx?: AlertProps['sx'] }) {
  if (!error) return null;
  if (error.field && inlineFields.includes(error.field)) {
    return (
      <Alert severity="error" role="alert" sx={sx}>
        Please correct the field marked below.
      </Alert>
    );
  }
  return (
    <Alert
      severity="error"
      role="alert"
      sx={sx}
      action={
        error.runId && (
          <Button component={Link} href={`/runs/${error.runId}`} color="inherit" size="small" sx={{ whiteSpace: 'nowrap' }}>
            Open that run
          </Button>
        )
      }
    >
      {error.message}
      <ApiErrorCaption error={error} />
    </Alert>
  );
}
