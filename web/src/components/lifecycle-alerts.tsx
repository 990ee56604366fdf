import type { ReactNode } from 'react';
import Alert from '@mui/material/Alert';

import { formatDateTime } from '@/lib/format';

/**
 * A detail page's notes under its header: "created" right after the form sent the user here
 * (`?created=1`), and "deleted on …" with a restore button on a deleted resource.
 */
export function LifecycleAlerts({
  created = false,
  createdMessage,
  deletedAt,
  deletedMessage,
  restore,
}: {
  /** Whether the page was opened with `?created=1`. */
  created?: boolean;
  createdMessage?: ReactNode;
  deletedAt: string | null;
  /** What follows "Deleted on <date>. ", e.g. "Restore it to use it again." */
  deletedMessage: ReactNode;
  /** The restore button, when the viewer may restore. */
  restore?: ReactNode;
}) {
  if (deletedAt !== null) {
    return (
      <Alert severity="warning" sx={{ mb: 3, alignItems: 'center' }} action={restore}>
        Deleted on {formatDateTime(deletedAt)}. {deletedMessage}
      </Alert>
    );
  }
  if (!created) return null;
  return (
    <Alert severity="success" role="status" sx={{ mb: 3 }}>
      {createdMessage}
    </Alert>
  );
}
