'use client';

import { useCallback, useState } from 'react';
import type { ApiError } from '@sheaf/contracts';

import { perform } from './actions';
import { API_UNREACHABLE_MESSAGE, PORTAL_UNREACHABLE_MESSAGE } from './messages';
import { markSessionActive, markSessionEnded } from './session-state';
import type { OperationId, OperationParams, OperationResponse } from './api-types';

export interface ApiAction {
  pending: boolean;
  /** The last call's error, shown above the form (or beside `error.field`: see field-messages). */
  error: ApiError | null;
  clearError: () => void;
  /** Calls the operation; the data on success, undefined on failure (then `error` is set). */
  run: <K extends OperationId>(operation: K, params: OperationParams<K>) => Promise<OperationResponse<K> | undefined>;
}

/** State for a form or button that calls the API; an ended session is said, the form kept. */
export function useApiAction(): ApiAction {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const run = useCallback(async <K extends OperationId>(operation: K, params: OperationParams<K>) => {
    setPending(true);
    setError(null);
    try {
      const result = await perform(operation, params);
      if (result.kind === 'ok') {
        markSessionActive();
        return result.data;
      }
      if (result.kind === 'unreachable') {
        setError({ statusCode: 502, code: 'API_UNREACHABLE', message: API_UNREACHABLE_MESSAGE });
        return undefined;
      }
      if (result.error.statusCode === 401) {
        // Not off to the login page: that would throw away the form being saved.
        markSessionEnded();
        setError({ ...result.error, message: 'Your session has ended: sign in again in a new tab, then try again here.' });
        return undefined;
      }
      setError(result.error);
      return undefined;
    } catch {
      setError({ statusCode: 0, code: 'PORTAL_UNREACHABLE', message: PORTAL_UNREACHABLE_MESSAGE });
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);

  const clearError = useCallback(() => setError(null), []);

  return { pending, error, clearError, run };
}
