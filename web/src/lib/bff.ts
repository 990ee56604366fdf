import 'server-only';

import { NextResponse, type NextRequest } from 'next/server';

import { API_UNREACHABLE, type ApiResult } from './api-server';

/** A route handler's answer for an API result: the data, or the API's error with its status. */
export function respond<T>(result: ApiResult<T>): NextResponse {
  if (result.kind === 'ok') return NextResponse.json(result.data);
  const error = result.kind === 'unreachable' ? API_UNREACHABLE : result.error;
  return NextResponse.json(error, { status: error.statusCode });
}

/** Writes must be JSON: a cross-site form cannot send that without a CORS preflight. */
export function refuseNonJson(request: NextRequest): NextResponse | null {
  if (request.headers.get('content-type')?.toLowerCase().startsWith('application/json')) return null;
  return NextResponse.json({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send JSON.' }, { status: 415 });
}
