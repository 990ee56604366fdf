import 'server-only';

import { cookies } from 'next/headers';
import { notFound } from 'next/navigation';

import { ApiLoadError } from './api-failure';
import { API_UNREACHABLE, callOperation, type ApiResult } from './api-server';
import type { OperationId, OperationParams, OperationResponse } from './api-types';
import { refusedFilter, type FieldError } from './list-filters';
import { redirectToLogin } from './login-redirect';
import { collectPages } from './pages';
import { SESSION_COOKIE } from './session-cookie';

/**
 * One API call as the signed-in user (the token never leaves the server). Without a session it
 * calls nothing and answers 401: the API's public operations (login) are not reached through here
 * (sign-in is /session), so a posted server action cannot use them.
 */
export async function api<K extends OperationId>(operation: K, params: OperationParams<K>): Promise<ApiResult<OperationResponse<K>>> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) return { kind: 'error', error: { statusCode: 401, code: 'unauthorized', message: 'Sign in first' } };
  return callOperation(operation, params, token);
}

/** Whether the API's 400 names one of the call's path parameters ("id must be a UUID"). */
function isPathParameter(params: unknown, field: string | undefined): boolean {
  const path = (params as { path?: Record<string, unknown> }).path;
  return field !== undefined && path !== undefined && Object.hasOwn(path, field);
}

/**
 * For pages: the data, or the right page instead. An expired session goes to the login page,
 * what the API refuses or hides (403, 404) is "not found", and so is an address whose id cannot
 * be one (a 400 on a path parameter: `/runs/abc`); anything else reaches the error boundary,
 * which shows the API's status, code and message (see ApiLoadError).
 */
export async function load<K extends OperationId>(operation: K, params: OperationParams<K>): Promise<OperationResponse<K>> {
  return settle(await api(operation, params), params);
}

/**
 * What `load` makes of a result: the data, or the page the failure calls for. Async, and to be
 * awaited: the login redirect (a 401) is thrown only once redirectToLogin has read the request.
 */
async function settle<K extends OperationId>(result: ApiResult<OperationResponse<K>>, params: OperationParams<K>): Promise<OperationResponse<K>> {
  if (result.kind === 'ok') return result.data;
  if (result.kind === 'unreachable') throw new ApiLoadError(API_UNREACHABLE);
  if (result.error.statusCode === 401) return redirectToLogin();
  if (result.error.statusCode === 403 || result.error.statusCode === 404) notFound();
  if (result.error.statusCode === 400 && isPathParameter(params, result.error.field)) notFound();
  throw new ApiLoadError(result.error);
}

/** A filtered list's page, or the API's refusal of one of its filters. */
export type FilteredLoad<T> = { kind: 'ok'; data: T } | { kind: 'refused'; error: FieldError };

/**
 * For list pages with a filter form: like `load`, but a 400 about one of the query's filters
 * (see refusedFilter) comes back as a value, so the page keeps its form and shows the message at
 * the field instead of the error page.
 */
export async function loadFiltered<K extends OperationId>(operation: K, params: OperationParams<K>): Promise<FilteredLoad<OperationResponse<K>>> {
  const result = await api(operation, params);
  const refused = result.kind === 'error' ? refusedFilter(result.error, (params as { query?: Record<string, unknown> }).query) : undefined;
  if (refused) return { kind: 'refused', error: refused };
  return { kind: 'ok', data: await settle(result, params) };
}

type Loaded<T extends readonly unknown[]> = { -readonly [P in keyof T]: Awaited<T[P]> };

/**
 * Loads side by side like Promise.all, but the first failure in argument order wins, not the
 * first in time: the page's own resource, listed first, says "not found" for a malformed id before
 * a list filtered by that id (a 400 on a query parameter) can reach the error boundary.
 */
export async function loadTogether<T extends readonly unknown[] | []>(loads: T): Promise<Loaded<T>> {
  const settled = await Promise.allSettled<readonly unknown[]>(loads);
  const values: unknown[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'rejected') throw outcome.reason;
    values.push(outcome.value);
  }
  return values as Loaded<T>;
}

/** Operations that answer a page of `items` out of `total` and take `limit` and `offset`. */
type ListOperation = {
  [K in OperationId]: OperationResponse<K> extends { items: unknown[]; total: number } ? (OperationParams<K> extends { query?: { limit?: number; offset?: number } } ? K : never) : never;
}[OperationId];

/** For pickers: every item of a list (see collectPages), each page as `load` answers it. */
export async function loadAll<K extends ListOperation>(operation: K, params: OperationParams<K>): Promise<OperationResponse<K>['items'][number][]> {
  type Item = OperationResponse<K>['items'][number];
  const query = (params as { query?: Record<string, unknown> }).query ?? {};
  return collectPages(
    async (offset, limit) => (await load(operation, { ...params, query: { ...query, limit, offset } } as OperationParams<K>)) as { items: Item[]; total: number },
  );
}
