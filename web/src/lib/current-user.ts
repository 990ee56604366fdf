import 'server-only';

import { cache } from 'react';
import { cookies } from 'next/headers';
import type { UserSummary } from '@sheaf/contracts';

import { ApiLoadError } from './api-failure';
import { fetchCurrentUser } from './api-server';
import { redirectToLogin } from './login-redirect';
import { SESSION_COOKIE } from './session-cookie';

export type CurrentUser = { kind: 'signed-in'; user: UserSummary } | { kind: 'api-unreachable' };

/**
 * The signed-in user for this request (deduplicated per request). Redirects to the login page
 * when there is no session or the API rejects it; any other API failure is thrown to the
 * nearest error boundary.
 */
export const requireCurrentUser = cache(async (): Promise<CurrentUser> => {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) return redirectToLogin();

  const result = await fetchCurrentUser(token);
  switch (result.kind) {
    case 'ok':
      return { kind: 'signed-in', user: result.data };
    case 'unreachable':
      return { kind: 'api-unreachable' };
    case 'error':
      if (result.error.statusCode === 401) return redirectToLogin();
      throw new ApiLoadError(result.error);
  }
});
