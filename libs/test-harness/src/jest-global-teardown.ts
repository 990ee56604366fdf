import type { ProvisionedPostgres } from './postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __sheafPostgres?: ProvisionedPostgres }).__sheafPostgres?.stop();
}
