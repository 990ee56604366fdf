'use server';

import { api } from './api';
import type { ApiResult } from './api-server';
import type { OperationId, OperationParams, OperationResponse } from './api-types';

/**
 * The one server action behind every form and button that changes something: it calls one API
 * operation as the signed-in user. The session token stays on the server; the API decides what
 * the user may do, and Next.js refuses server actions posted from another origin. Anyone can
 * post a server action: without a session, api() calls nothing.
 */
export async function perform<K extends OperationId>(
  operation: K,
  params: OperationParams<K>,
): Promise<ApiResult<OperationResponse<K>>> {
  return api(operation, params);
}
