'use server';

import { cookies } from 'next/headers';

import { api } from './api';
import type { ApiResult } from './api-server';
import type { OperationId, OperationParams, OperationResponse } from './api-types';
import { SESSION_COOKIE } from './session-cookie';

/**
 * The one server action behind every form and button that changes something: it calls one API
 * operation as the signed-in user. The session token stays on the server; the API decides what
 * the user may do, and Next.js refuses server actions posted from another origin. Without a
 * session it calls nothing: anyone can post a server action, and the API's public operations
 * (login) are the portal's own business (/session).
 */
export async function perform<K extends OperationId>(
  operation: K,
  params: OperationParams<K>,
): Promise<ApiResult<OperationResponse<K>>> {
  if (!(await cookies()).has(SESSION_COOKIE)) {
    return { kind: 'error', error: { statusCode: 401, code: 'unauthorized', message: 'Sign in first' } };
  }
  return api(operation, params);
}
