import type { NextRequest, NextResponse } from 'next/server';

import { api } from '@/lib/api';
import { respond } from '@/lib/bff';
import { notificationPage } from '@/lib/notification-list';

export const dynamic = 'force-dynamic';

/** The signed-in user's notifications (newest first) for the bell's menu, a page at a time. */
export async function GET(request: NextRequest): Promise<NextResponse> {
  return respond(await api('listNotifications', { query: notificationPage(request.nextUrl.searchParams) }));
}
