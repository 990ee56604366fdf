import 'server-only';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';

import { REQUESTED_PATH_HEADER, returnPath } from './return-path';

/** To the login page, which sends the user back to the page they asked for once signed in. */
export async function redirectToLogin(): Promise<never> {
  const back = returnPath((await headers()).get(REQUESTED_PATH_HEADER));
  redirect(back ? `/login?expired=1&next=${encodeURIComponent(back)}` : '/login?expired=1');
}
