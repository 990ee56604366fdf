import type { ApiError } from '@sheaf/contracts';

import type { ApiTokenDto, CreateApiTokenDto } from '@/lib/api-types';

/** API tokens: scopes, states and the mapping from the "new token" form to the API's body. */

export type TokenScope = ApiTokenDto['scope'];

export const SCOPES: readonly TokenScope[] = ['read', 'harvest'];

export const SCOPE_LABELS: Record<TokenScope, string> = {
  read: 'Read',
  harvest: 'Harvest',
};

export const SCOPE_HELP: Record<TokenScope, string> = {
  read: 'Reads only: instruments, runs, files and their metadata you can see.',
  harvest: 'Reads, and also starts and cancels harvests of instruments you can see.',
};

export const DEFAULT_EXPIRY_DAYS = '90';
export const MAX_EXPIRY_DAYS = 3650;

export interface TokenFormValues {
  name: string;
  scope: TokenScope;
  /** Days as typed; empty for a token that never expires. */
  expiresInDays: string;
}

export function emptyTokenForm(): TokenFormValues {
  return { name: '', scope: 'read', expiresInDays: DEFAULT_EXPIRY_DAYS };
}

/**
 * What the form can tell before asking the API: days must be a whole number in range (or empty).
 * Shaped like the API's errors, so the form shows and focuses it the same way.
 */
export function tokenFormProblem(form: TokenFormValues): ApiError | null {
  const days = form.expiresInDays.trim();
  if (days === '') return null;
  const n = Number(days);
  if (/^\d+$/.test(days) && n >= 1 && n <= MAX_EXPIRY_DAYS) return null;
  return {
    statusCode: 400,
    code: 'validation_failed',
    message: `Enter whole days from 1 to ${MAX_EXPIRY_DAYS}, or leave it empty for a token that never expires.`,
    field: 'expiresInDays',
  };
}

export function createTokenBody(form: TokenFormValues): CreateApiTokenDto {
  const days = form.expiresInDays.trim();
  return {
    name: form.name.trim(),
    scope: form.scope,
    ...(days === '' ? {} : { expiresInDays: Number(days) }),
  };
}

export type TokenState = 'active' | 'expired' | 'revoked';

export function tokenState(token: Pick<ApiTokenDto, 'expiresAt' | 'revokedAt'>, now: Date): TokenState {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && new Date(token.expiresAt).getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export const TOKEN_STATE_LABELS: Record<TokenState, string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
};
