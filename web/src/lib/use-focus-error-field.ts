'use client';

import { useEffect, type RefObject } from 'react';
import type { ApiError } from '@sheaf/contracts';

/**
 * Moves the focus to the input the API named in its error (`<input name="displayName">`), so a
 * keyboard user lands on what to fix. Inputs carry the API's field names as their `name`.
 */
export function useFocusErrorField(error: ApiError | null, form: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    if (!error?.field || !form.current) return;
    const input = form.current.querySelector<HTMLElement>(`[name="${CSS.escape(error.field)}"]`);
    input?.focus();
  }, [error, form]);
}
