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

/**
 * Whether credentials kept in a configuration (an rclone connection string, a webhook URL's path)
 * are shown: to admins in a session only, not to users nor to API tokens (an admin's read token
 * in an integration would hand them on).
 */
export function seesStoredCredentials(principal: Principal): boolean {
  return isAdmin(principal) && !principal.token;
}
