import type { ApiError } from '@sheaf/contracts';

/** An API error that names the field it is about. */
export type FieldError = ApiError & { field: string };

/**
 * The API's refusal of one of a list's filters: a 400 naming a query parameter the call sent
 * (a malformed ARK, an impossible date). The list page shows it at that field and keeps its form;
 * any other error is not the filter's to show.
 */
export function refusedFilter(error: ApiError, query: Readonly<Record<string, unknown>> | undefined): FieldError | undefined {
  if (error.statusCode !== 400 || error.field === undefined || query === undefined) return undefined;
  if (!Object.hasOwn(query, error.field) || query[error.field] === undefined) return undefined;
  return { ...error, field: error.field };
}
