'use client';

import { useState, type ReactNode } from 'react';
import { useRouter } from 'next/navigation';
import Button, { type ButtonProps } from '@mui/material/Button';
import Stack from '@mui/material/Stack';

import type { OperationId, OperationParams } from '@/lib/api-types';
import { useApiAction } from '@/lib/use-api-action';

import { ApiErrorAlert } from './api-error-alert';
import { ConfirmDialog } from './confirm-dialog';

/** Operations whose only parameter is the resource's id (delete, restore, ...). */
export type IdOperation = {
  [K in OperationId]: OperationParams<K> extends { path: { id: string } } ? (Exclude<keyof OperationParams<K>, 'path'> extends never ? K : never) : never;
}[OperationId];

interface ConfirmedActionProps {
  operation: IdOperation;
  id: string;
  /** The button's text, e.g. "Delete storage location". */
  label: string;
  title: string;
  /** What will happen, shown in the dialog. */
  message: ReactNode;
  /** The dialog's confirming button. */
  confirmLabel: string;
  /** The dialog's closing button, when "Cancel" would be ambiguous. */
  dismissLabel?: string;
  destructive?: boolean;
  /** Where to go afterwards; without it the page reloads its data. */
  redirectTo?: string;
  buttonProps?: Omit<ButtonProps, 'onClick' | 'children'>;
}

/** A button that asks, then calls one API operation on the resource and refreshes the page. */
export function ConfirmedActionButton({ operation, id, label, title, message, confirmLabel, dismissLabel, destructive, redirectTo, buttonProps }: ConfirmedActionProps) {
  const router = useRouter();
  const action = useApiAction();
  const [open, setOpen] = useState(false);

  async function confirm() {
    const done = await action.run(operation, { path: { id } } as OperationParams<typeof operation>);
    if (done === undefined) return;
    setOpen(false);
    if (redirectTo) router.push(redirectTo);
    router.refresh();
  }

  return (
    <>
      <Button
        variant="outlined"
        color={destructive ? 'error' : 'primary'}
        {...buttonProps}
        onClick={() => {
          action.clearError();
          setOpen(true);
        }}
      >
        {label}
      </Button>
      <ConfirmDialog
        open={open}
        title={title}
        confirmLabel={confirmLabel}
        dismissLabel={dismissLabel}
        destructive={destructive}
        pending={action.pending}
        error={action.error}
        onConfirm={() => void confirm()}
        onClose={() => setOpen(false)}
      >
        {message}
      </ConfirmDialog>
    </>
  );
}

/** Restores a deleted resource at once (nothing is lost by restoring, so no dialog). */
export function RestoreButton({
  operation,
  id,
  label = 'Restore',
  accessibleName,
  redirectTo,
  size,
}: {
  operation: IdOperation;
  id: string;
  label?: string;
  /** For rows of a list: "Restore archive" where the text says only "Restore". */
  accessibleName?: string;
  redirectTo?: string;
  size?: ButtonProps['size'];
}) {
  const router = useRouter();
  const action = useApiAction();

  async function restore() {
    const done = await action.run(operation, { path: { id } } as OperationParams<typeof operation>);
    if (done === undefined) return;
    if (redirectTo) router.push(redirectTo);
    router.refresh();
  }

  return (
    <Stack spacing={0.5} sx={{ alignItems: 'flex-start' }}>
      <Button variant="outlined" size={size} onClick={() => void restore()} loading={action.pending} aria-label={accessibleName}>
        {label}
      </Button>
      {/* In a table cell or a notice's action: wrapped, whatever the cell's white-space. */}
      <ApiErrorAlert error={action.error} sx={{ maxWidth: 360, whiteSpace: 'normal' }} />
    </Stack>
  );
}
