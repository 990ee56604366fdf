'use client';

import { useCallback, useEffect, type RefObject } from 'react';
import type { ApiError } from '@sheaf/contracts';

/**
 * The API's message for a field, worded with the form's label: "config.path must be an absolute
 * path" beside the "Path" field reads "Path must be an absolute path". The API names the field by
 * its full path (`config.path`) or by its last part (`pathTemplate`).
 */
export function messageForLabel(message: string, field: string, label: string): string {
  const last = field.split('.').at(-1) ?? field;
  for (const prefix of [field, last]) {
    if (message.startsWith(`${prefix} `)) return `${label}${message.slice(prefix.length)}`;
  }
  return message;
}

/**
 * The error's message when it is about `field` (the API's field name), worded with the field's
 * label when one is given; undefined when there is no error or it is about something else.
 */
export function fieldMessage(error: ApiError | null, field: string, label?: string): string | undefined {
  if (error?.field !== field) return undefined;
  return label === undefined ? error.message : messageForLabel(error.message, field, label);
}

export interface FieldErrorProps {
  /** The API's field name, so the error can find its input. */
  name: string;
  error: boolean;
  helperText?: string;
}

/**
 * Props for a TextField that shows the API's error for its field, worded with its label. Spread
 * after the field's own `helperText`: that hint stays while the field has no error.
 */
export function fieldErrorProps(error: ApiError | null, field: string, label: string): FieldErrorProps {
  const message = fieldMessage(error, field, label);
  return { name: field, error: Boolean(message), ...(message ? { helperText: message } : {}) };
}

/**
 * After a failed submit, moves the focus to the input of the field the API named (inputs carry
 * the API's field names as their `name`), so a keyboard user lands on what to fix.
 */
export function useFocusOnFieldError(error: ApiError | null, form: RefObject<HTMLElement | null>) {
  useEffect(() => {
    if (!error?.field || !form.current) return;
    form.current.querySelector<HTMLElement>(`[name="${CSS.escape(error.field)}"]`)?.focus();
  }, [error, form]);
}

/** useFocusOnFieldError, and fieldErrorProps bound to the form's current error. */
export function useFieldErrors(error: ApiError | null, form: RefObject<HTMLElement | null>) {
  useFocusOnFieldError(error, form);
  return useCallback((field: string, label: string) => fieldErrorProps(error, field, label), [error]);
}
