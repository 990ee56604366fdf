import 'server-only';

import type { ApiError, LoginRequest, LoginResponse, UserSummary } from '@sheaf/contracts';

import { OPERATIONS, operationPath, type OperationId, type OperationParams, type OperationResponse } from './api-types';
import { API_NO_ANSWER_MESSAGE, API_UNREACHABLE_MESSAGE } from './messages';
import { serverConfig } from './server-config';

/** What a call to the API came to; transport failures are a value, not an exception. */
export type ApiResult<T> =
  | { kind: 'ok'; data: T }
  | { kind: 'error'; error: ApiError }
  | { kind: 'unreachable' };

export const API_UNREACHABLE: ApiError = {
  statusCode: 502,
  code: 'API_UNREACHABLE',
  message: API_UNREACHABLE_MESSAGE,
};

/**
 * A change the API did not answer in time (the portal's timeout): it reached the API and may have
 * been made, so it is not "cannot be reached". 504: the portal is the gateway that gave up.
 */
export const API_NO_ANSWER: ApiError = {
  statusCode: 504,
  code: 'API_NO_ANSWER',
  message: API_NO_ANSWER_MESSAGE,
};

function isApiError(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.statusCode === 'number' && typeof v.code === 'string' && typeof v.message === 'string';
}

/** Operations that wait on something outside the API (a share, a bucket) for longer than usual. */
const SLOW_OPERATIONS: ReadonlySet<OperationId> = new Set(['testStorageLocation', 'testInstrument']);

/** Non-GET operations that change nothing the user could find done twice: a timeout is no answer, nothing more. */
const CHANGES_NOTHING: ReadonlySet<OperationId> = new Set(['login', 'logout', 'testStorageLocation', 'testInstrument']);

/** Whether fetch gave up on AbortSignal.timeout (rather than failing to connect): a DOMException, not always an `instanceof Error`. */
function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError';
}

/** `change`: the call changes something (a write), so a timeout may have left it done. */
async function callApi<T>(path: string, init: RequestInit, timeoutMs: number, change: boolean): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(`${serverConfig.apiUrl}${path}`, {
      ...init,
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if (change && isTimeout(error)) return { kind: 'error', error: API_NO_ANSWER };
    return { kind: 'unreachable' };
  }

  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    // The answer began but its body did not arrive in time: as good as no answer.
    if (isTimeout(error)) return change ? { kind: 'error', error: API_NO_ANSWER } : { kind: 'unreachable' };
    body = undefined;
  }

  if (response.ok) return { kind: 'ok', data: body as T };
  if (isApiError(body)) return { kind: 'error', error: body };
  return {
    kind: 'error',
    error: {
      statusCode: response.status,
      code: 'UNEXPECTED_RESPONSE',
      message: `The Sheaf API answered ${response.status} ${response.statusText}`.trim(),
    },
  };
}

/**
 * The request headers a caller may set: those the API documents. Params reach here from server
 * actions, which anyone can post: a passed-through X-Forwarded-For would let them pose as any
 * address (the API trusts the portal's), and so get past the login limit.
 */
const CALLER_HEADERS = new Set(['idempotency-key']);

/**
 * Calls one operation of the generated client; `accessToken` becomes the Bearer token, and
 * `forwardedFor` (the browser's address, when the portal knows it) the X-Forwarded-For the API's
 * login limit keys on.
 */
export function callOperation<K extends OperationId>(
  operation: K,
  params: OperationParams<K>,
  accessToken?: string,
  forwardedFor?: string,
): Promise<ApiResult<OperationResponse<K>>> {
  const { body, headers = {} } = params as { body?: unknown; headers?: Record<string, string> };
  const requestHeaders: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(headers)) if (CALLER_HEADERS.has(name.toLowerCase())) requestHeaders[name.toLowerCase()] = value;
  if (accessToken) requestHeaders.authorization = `Bearer ${accessToken}`;
  if (forwardedFor) requestHeaders['x-forwarded-for'] = forwardedFor;
  if (body !== undefined) requestHeaders['content-type'] = 'application/json';
  const { method } = OPERATIONS[operation];
  return callApi<OperationResponse<K>>(
    operationPath(operation, params),
    {
      method,
      headers: requestHeaders,
      body: body === undefined ? undefined : JSON.stringify(body),
    },
    SLOW_OPERATIONS.has(operation) ? serverConfig.connectionTestTimeoutMs : serverConfig.apiTimeoutMs,
    method !== 'GET' && !CHANGES_NOTHING.has(operation),
  );
}

/** Signs in; `clientAddress` is the browser's address, when the portal knows it (see clientAddress()). */
export function login(credentials: LoginRequest, clientAddress?: string): Promise<ApiResult<LoginResponse>> {
  return callOperation('login', { body: credentials }, undefined, clientAddress);
}

/** Ends the session at the API: a copy of its token (a log, another tab) is refused from then on. */
export function logout(accessToken: string): Promise<ApiResult<OperationResponse<'logout'>>> {
  return callOperation('logout', {}, accessToken);
}

export function fetchCurrentUser(accessToken: string): Promise<ApiResult<UserSummary>> {
  return callOperation('getCurrentUser', {}, accessToken);
}
