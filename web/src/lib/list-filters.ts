import type { ApiError } from '@sheaf/contracts';

import { fieldMessage } from './field-messages';

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

/** The API's words for a range whose end is not after its start (DateFilter). */
const TO_NOT_AFTER_FROM = 'to must be after from';

/**
 * What the `from` and `to` day fields of a list's filter form (DateRangeFields) say of the
 * API's refusal, worded with their labels. The form sends the start of the from day and the end
 * of the to day, so the API finds a range empty ("to must be after from") only when the to day
 * is before the from day: that is what the to field says, naming both fields.
 */
export function dateRangeErrors(error: ApiError | null, fromLabel: string, toLabel: string): { fromError?: string; toError?: string } {
  const toError = error?.field === 'to' && error.message === TO_NOT_AFTER_FROM ? `${toLabel} must not be before ${fromLabel}` : fieldMessage(error, 'to', toLabel);
  return { fromError: fieldMessage(error, 'from', fromLabel), toError };
}

export interface FilterOption {
  value: string;
  label: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a filter's value can name a record by id (a UUID); any other value names none. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** An id filter's value as a list uses it: the value when it is a UUID, otherwise none (''). */
export function idFilter(value: string): string {
  return isUuid(value) ? value : '';
}

/** Whether a filter's value names an instrument (a UUID) that is not among `instruments`. */
export function isUnlistedInstrument(value: string, instruments: ReadonlyArray<{ id: string }>): boolean {
  return isUuid(value) && !instruments.some((i) => i.id === value);
}

/** What the API still says of a chosen instrument that is not among the live ones. */
export interface ChosenInstrument {
  name: string;
  deletedAt: string | null;
}

/**
 * The instrument filter's choices: the live instruments, and first the chosen one when it is
 * not among them (a deleted instrument, reached from its page's "All runs"). Without it the
 * select would show "All instruments" while the list is filtered, and the next submit would
 * drop the filter. `chosen` is that instrument as the API shows it, when it does. A value that
 * is not a UUID names no instrument (the lists do not filter by it): it is not offered.
 */
export function instrumentChoices(instruments: ReadonlyArray<{ id: string; name: string }>, value: string, chosen?: ChosenInstrument): FilterOption[] {
  const options = instruments.map((i) => ({ value: i.id, label: i.name }));
  if (!isUnlistedInstrument(value, instruments)) return options;
  const label = !chosen ? 'The chosen instrument' : chosen.deletedAt ? `${chosen.name} (deleted)` : chosen.name;
  return [{ value, label }, ...options];
}
