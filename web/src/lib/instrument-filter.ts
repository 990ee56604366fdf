import 'server-only';

import { api, loadAll } from './api';
import type { InstrumentDto } from './api-types';
import { type ChosenInstrument, isUnlistedInstrument } from './list-filters';

/** The instrument filter of a list page: the live instruments, and the chosen one if it is not among them. */
export interface InstrumentFilter {
  instruments: InstrumentDto[];
  chosen?: ChosenInstrument;
}

/**
 * Loads what the instrument filter offers. A chosen instrument missing from the live list (deleted,
 * for an admin) is read on its own, for its name; when the API does not show it, it has none.
 */
export async function loadInstrumentFilter(value: string): Promise<InstrumentFilter> {
  const instruments = await loadAll('listInstruments', {});
  if (!isUnlistedInstrument(value, instruments)) return { instruments };
  const result = await api('getInstrument', { path: { id: value } });
  return { instruments, chosen: result.kind === 'ok' ? { name: result.data.name, deletedAt: result.data.deletedAt } : undefined };
}
