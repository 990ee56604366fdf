'use client';

import type { ReactNode } from 'react';
import type { ApiError } from '@sheaf/contracts';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';

import { ApiErrorAlert } from './api-error-alert';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** What will happen, in a sentence or two. */
  children: ReactNode;
  /** The confirming button's text, a verb: "Delete", "Restore". */
  confirmLabel: string;
  /** The closing button's text; "Keep running" where "Cancel" would mean the action itself. */
  dismissLabel?: string;
  /** Red confirm button for changes that take something away. */
  destructive?: boolean;
  pending?: boolean;
  /** Why the last attempt failed (e.g. the API's 409); the dialog stays open. A run it names is linked. */
  error?: ApiError | null;
  onConfirm: () => void;
  onClose: () => void;
}

/** Asks before a change; the dismissing button has the focus, so Enter never confirms by accident. */
export function ConfirmDialog({ open, title, children, confirmLabel, dismissLabel = 'Cancel', destructive, pending, error, onConfirm, onClose }: ConfirmDialogProps) {
  return (
    <Dialog open={open} onClose={pending ? undefined : onClose} aria-labelledby="confirm-dialog-title" aria-describedby="confirm-dialog-text">
      <DialogTitle id="confirm-dialog-title">{title}</DialogTitle>
      <DialogContent>
        <DialogContentText id="confirm-dialog-text" component="div">
          {children}
        </DialogContentText>
        <ApiErrorAlert error={error ?? null} sx={{ mt: 2 }} />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={pending} autoFocus>
          {dismissLabel}
        </Button>
        <Button onClick={onConfirm} loading={pending} color={destructive ? 'error' : 'primary'} variant="contained">
          {confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
