'use client';

import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { ApiError } from '@sheaf/contracts';
import Box from '@mui/material/Box';
import Button, { type ButtonProps } from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';

import { ApiErrorAlert } from './api-error-alert';
import { useFocusOnFieldError } from './form-field-errors';

export interface FormDialogProps {
  open: boolean;
  title: string;
  /** The submit button's text, a verb: "Create user", "Save". */
  submitLabel: string;
  pending: boolean;
  /** The API's last error: shown above the fields, or beside the field it names. */
  error: ApiError | null;
  /** Fields that show their own error (their inputs' `name`s are the API's field names). */
  inlineFields?: readonly string[];
  onSubmit: () => void;
  onClose: () => void;
  children: ReactNode;
}

/** A small form in a dialog: Enter submits, Escape and "Cancel" close (not while saving). */
export function FormDialog({ open, title, submitLabel, pending, error, inlineFields, onSubmit, onClose, children }: FormDialogProps) {
  const form = useRef<HTMLFormElement>(null);
  // The fields word their own messages (fieldMessage, fieldErrorProps).
  useFocusOnFieldError(error, form);
  const titleId = useId();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onSubmit();
  }

  return (
    <Dialog open={open} onClose={pending ? undefined : onClose} fullWidth maxWidth="sm" aria-labelledby={titleId}>
      <Box component="form" ref={form} noValidate onSubmit={submit}>
        <DialogTitle id={titleId}>{title}</DialogTitle>
        <DialogContent>
          <Stack spacing={2.5} sx={{ pt: 1 }}>
            <ApiErrorAlert error={error} inlineFields={inlineFields} />
            {children}
          </Stack>
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2 }}>
          <Button onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" loading={pending}>
            {submitLabel}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}

export interface FormDialogButtonProps extends Omit<FormDialogProps, 'open' | 'onClose' | 'onSubmit'> {
  /** The text of the button that opens the dialog. */
  buttonLabel: string;
  buttonProps?: Omit<ButtonProps, 'onClick' | 'children'>;
  /** Resets the fields and the last error; called each time the dialog opens. */
  onOpen: () => void;
  /**
   * Saves; resolves `true` when done (the dialog closes), `false` to keep it open: with its error,
   * or, after a create whose `thenOpen` page is on its way, disabled until that page replaces it.
   */
  onSubmit: () => Promise<boolean>;
}

/** A button that opens a FormDialog with fresh fields, and closes it once the submission succeeds. */
export function FormDialogButton({ buttonLabel, buttonProps, onOpen, onSubmit, ...dialog }: FormDialogButtonProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button
        variant="contained"
        {...buttonProps}
        onClick={() => {
          onOpen();
          setOpen(true);
        }}
      >
        {buttonLabel}
      </Button>
      <FormDialog {...dialog} open={open} onClose={() => setOpen(false)} onSubmit={() => void onSubmit().then((done) => done && setOpen(false))} />
    </>
  );
}
