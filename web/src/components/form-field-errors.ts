'use client';

import { useCallback, useEffect, type RefObject } from 'react';

import type { ApiAction } from '@/lib/use-api-action';

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

export interface FieldErrorProps {
  /** The API's field name, so the error can find its input. */
  name: string;
  error: boolean;
  helperText?: string;
}

/**
 * Props for a TextField that shows the API's error for its field, worded with the field's label;
 * and, after a failed submit, the focus on the field the API named (inputs carry the API's field
 * names as their `name`).
 */
export function useFieldErrors(action: Pick<ApiAction, 'error' | 'fieldError'>, form: RefObject<HTMLElement | null>) {
  const { error, fieldError } = action;
  useEffect(() => {
    if (!error?.field || !form.current) return;
    form.current.querySelector<HTMLElement>(`[name="${CSS.escape(error.field)}"]`)?.focus();
  }, [error, form]);

  return useCallback(
    (field: string, label: string): FieldErrorProps => {
      const message = fieldError(field);
      return { name: field, error: Boolean(message), ...(message ? { helperText: messageForLabel(message, field, label) } : {}) };
    },
    [fieldError],
  );
}
