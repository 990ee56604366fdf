import type { NextRequest, NextResponse } from 'next/server';

import { api } from '@/lib/api';
import { respond } from '@/lib/bff';

export const dynamic = 'force-dynamic';

const MAX_LIMIT = 50;

/** The signed-in user's recent notifications (newest first) for the bell's menu. */
export async function GET(request: NextRequest): Promise<NextResponse> {
  const requested = Number.parseInt(request.nextUrl.searchParams.get('limit') ?? '', 10);
  const limit = Number.isFinite(requested) && requested > 0 ? Math.min(requested, MAX_LIMIT) : 10;
  return respond(await api('listNotifications', { query: { limit } }));
}
