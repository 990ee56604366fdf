import { NextResponse, type NextRequest } from 'next/server';

import { REQUESTED_PATH_HEADER } from './lib/return-path';

/** Not pages: the portal's API routes (bff, session), the login page and the icon. */
const NOT_PAGES = /^\/(?:bff\/|session(?:\/|$)|login(?:\/|$)|icon\.svg$)/;

/**
 * Tells the server code of a page which address was asked for (Next.js gives layouts none), so a
 * request whose session has ended can be sent to sign in and then back to that page.
 */
export function middleware(request: NextRequest): NextResponse {
  const { pathname, search } = request.nextUrl;
  if (NOT_PAGES.test(pathname)) return NextResponse.next();
  const forwarded = new Headers(request.headers);
  forwarded.set(REQUESTED_PATH_HEADER, pathname + search);
  return NextResponse.next({ request: { headers: forwarded } });
}

// Next.js's own files never need it.
export const config = { matcher: ['/((?!_next/).*)'] };
