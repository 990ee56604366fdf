import type { TokenScope, UserSummary } from '@sheaf/contracts';

/** Who is calling: the live user behind a session (JWT) or an API token. */
export interface Principal extends UserSummary {
  /** Set when the request authenticated with an API token. */
  token?: { id: string; scope: TokenScope };
  /** Set for a session that can be signed out (its token carries a session id). */
  session?: { id: string; expiresAtMs: number };
}

export function isAdmin(principal: Principal): boolean {
  return principal.role === 'admin';
}
