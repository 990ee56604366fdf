'use client';

import type { ApiError } from '@sheaf/contracts';
import Link from 'next/link';
import Alert, { type AlertProps } from '@mui/material/Alert';
import Button from '@mui/material/Button';

/**
 * A form's error from the API, unless it belongs to a field the form shows inline (then the
 * field's helper text carries it). `inlineFields` are the API's field names (`config.path`).
 * An error about a run (a harvest is running: `harvest_running`, and others with `runId`) links
 * to that run, to follow or cancel it.
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
    </Alert>
  );
}
