'use client';

import { useCallback, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ApiError } from '@sheaf/contracts';

import { perform } from './actions';
import { API_UNREACHABLE_MESSAGE, PORTAL_UNREACHABLE_MESSAGE } from './messages';
import { markSessionActive, markSessionEnded } from './session-state';
import type { OperationId, OperationParams, OperationResponse } from './api-types';

/** What to do once the call succeeds. */
export interface RunOptions<T> {
  /**
   * The page to open with the answer (a created resource's). The action then stays pending: the
   * form stays disabled until the page it is on is left, so a second click or Enter meanwhile
   * cannot send it again (a second hook, schedule, ...).
   */
  thenOpen?: (data: T) => string;
}

export interface ApiAction {
  /** A call is under way, or one succeeded and its `thenOpen` page is on its way. */
  pending: boolean;
  /** The last call's error, shown above the form (or beside `error.field`: see field-messages). */
  error: ApiError | null;
  clearError: () => void;
  /** Calls the operation; the data on success, undefined on failure (then `error` is set). */
  run: <K extends OperationId>(operation: K, params: OperationParams<K>, options?: RunOptions<OperationResponse<K>>) => Promise<OperationResponse<K> | undefined>;
}

/** State for a form or button that calls the API; an ended session is said, the form kept. */
export function useApiAction(): ApiAction {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const run = useCallback(async <K extends OperationId>(operation: K, params: OperationParams<K>, options?: RunOptions<OperationResponse<K>>) => {
    setPending(true);
    setError(null);
    let leaving = false;
    try {
      const result = await perform(operation, params);
      if (result.kind === 'ok') {
        markSessionActive();
        if (options?.thenOpen) {
          router.push(options.thenOpen(result.data));
          leaving = true;
        }
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
      if (!leaving) setPending(false);
    }
  }, [router]);

  const clearError = useCallback(() => setError(null), []);

  return { pending, error, clearError, run };
}
