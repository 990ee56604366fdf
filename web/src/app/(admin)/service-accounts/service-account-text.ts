import type { ServiceAccountDto } from '@/lib/api-types';

/** `LAB\svc-harvest`, or the bare username in a workgroup. */
export function accountLogin(account: Pick<ServiceAccountDto, 'domain' | 'username'>): string {
  return account.domain ? `${account.domain}\\${account.username}` : account.username;
}
