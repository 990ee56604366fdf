'use client';

import { useCallback, useEffect, type RefObject } from 'react';
import type { ApiError } from '@sheaf/contracts';

import { fieldErrorProps } from '@/lib/field-messages';

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
