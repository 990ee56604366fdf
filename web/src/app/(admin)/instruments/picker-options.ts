import 'server-only';

import { load } from '@/lib/api';

import type { AccountOption, StorageOption } from './instrument-form';

/** The form's pickers: live service accounts and storage locations, by name (the API's page limit). */
export async function loadPickerOptions(): Promise<{ accounts: AccountOption[]; storageLocations: StorageOption[] }> {
  const [accounts, storageLocations] = await Promise.all([
    load('listServiceAccounts', { query: { limit: 200 } }),
    load('listStorageLocations', { query: { limit: 200 } }),
  ]);
  return {
    accounts: accounts.items.map(({ id, name, domain, username }) => ({ id, name, domain, username })),
    storageLocations: storageLocations.items.map(({ id, name, type, config }) => ({ id, name, type, config })),
  };
}
