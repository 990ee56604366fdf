import 'server-only';

import { loadAll } from '@/lib/api';

import type { AccountOption, StorageOption } from './instrument-form';

/** The form's pickers: live service accounts and storage locations, by name. */
export async function loadPickerOptions(): Promise<{ accounts: AccountOption[]; storageLocations: StorageOption[] }> {
  const [accounts, storageLocations] = await Promise.all([
    loadAll('listServiceAccounts', {}),
    loadAll('listStorageLocations', {}),
  ]);
  return {
    accounts: accounts.map(({ id, name, domain, username }) => ({ id, name, domain, username })),
    storageLocations: storageLocations.map(({ id, name, type, config }) => ({ id, name, type, config })),
  };
}
