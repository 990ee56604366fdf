import { NextResponse, type NextRequest } from 'next/server';

import { REQUESTED_PATH_HEADER } from './lib/return-path';

/**
 * Tells the server code of a page which address was asked for (Next.js gives layouts none), so a
 * request whose session has ended can be sent to sign in and then back to that page.
 */
export function middleware(request: NextRequest): NextResponse {
  const forwarded = new Headers(request.headers);
  forwarded.set(REQUESTED_PATH_HEADER, request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.next({ request: { headers: forwarded } });
}

// Pages only: not Next.js's own files, the portal's API routes (bff, session) or the icon.
export const config = { matcher: ['/((?!_next/|bff/|session|icon\\.svg|login).*)'] };
