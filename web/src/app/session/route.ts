import { NextResponse, type NextRequest } from 'next/server';
import type { ApiError, UserSummary } from '@sheaf/contracts';

import { API_UNREACHABLE, login, logout } from '@/lib/api-server';
import { clientAddress } from '@/lib/client-address';
import { serverConfig } from '@/lib/server-config';
import { SESSION_COOKIE } from '@/lib/session-cookie';

export const dynamic = 'force-dynamic';

function errorResponse(error: ApiError): NextResponse<ApiError> {
  return NextResponse.json(error, { status: error.statusCode });
}

/** Secure cookies only when the browser reached us over https (directly or via a proxy). */
function isHttps(request: NextRequest): boolean {
  const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  return (forwarded ?? request.nextUrl.protocol.replace(/:$/, '')) === 'https';
}

/** Sign in: exchange email and password for an API token kept in an httpOnly cookie. */
export async function POST(request: NextRequest): Promise<NextResponse<{ user: UserSummary } | ApiError>> {
  // Requiring JSON means a cross-site form cannot post here without a CORS preflight.
  if (!request.headers.get('content-type')?.toLowerCase().startsWith('application/json')) {
    return errorResponse({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send JSON.' });
  }

  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return errorResponse({ statusCode: 400, code: 'INVALID_BODY', message: 'The request body is not valid JSON.' });
  }
  const { email, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof email !== 'string' || email.trim() === '') {
    return errorResponse({ statusCode: 400, code: 'VALIDATION', message: 'Enter your email address.', field: 'email' });
  }
  if (typeof password !== 'string' || password === '') {
    return errorResponse({ statusCode: 400, code: 'VALIDATION', message: 'Enter your password.', field: 'password' });
  }

  // The API limits failed logins per client address: tell it the browser's, where it is known.
  const result = await login({ email: email.trim(), password }, clientAddress(request.headers.get('x-forwarded-for'), serverConfig.trustedProxyHops));
  if (result.kind === 'unreachable') return errorResponse(API_UNREACHABLE);
  if (result.kind === 'error') return errorResponse(result.error);

  const { accessToken, expiresIn, user } = result.data;
  const response = NextResponse.json({ user });
  response.cookies.set({
    name: SESSION_COOKIE,
    value: accessToken,
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps(request),
    path: '/',
    maxAge: expiresIn,
  });
  return response;
}

/** Sign out: end the session at the API, and forget the token (also when the API cannot be reached). */
export async function DELETE(request: NextRequest): Promise<NextResponse> {
  const token = request.cookies.get(SESSION_COOKIE)?.value;
  if (token) await logout(token);
  const response = new NextResponse(null, { status: 204 });
  response.cookies.set({
    name: SESSION_COOKIE,
    value: '',
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps(request),
    path: '/',
    maxAge: 0,
  });
  return response;
}
