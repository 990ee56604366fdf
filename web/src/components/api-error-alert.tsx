'use client';

import type { ApiError } from '@sheaf/contracts';
import Alert from '@mui/material/Alert';

/**
 * A form's error from the API, unless it belongs to a field the form shows inline (then the
 * field's helper text carries it). `inlineFields` are the API's field names (`config.path`).
 */
export function ApiErrorAlert({ error, inlineFields = [] }: { error: ApiError | null; inlineFields?: readonly string[] }) {
  if (!error) return null;
  if (error.field && inlineFields.includes(error.field)) {
    return (
      <Alert severity="error" role="alert">
        Please correct the field marked below.
      </Alert>
    );
  }
  return (
    <Alert severity="error" role="alert">
      {error.message}
    </Alert>
  );
}
