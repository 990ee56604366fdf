import type { NextResponse } from 'next/server';

import { api } from '@/lib/api';
import { respond } from '@/lib/bff';

export const dynamic = 'force-dynamic';

/** The bell's unread count, polled by the top bar. */
export async function GET(): Promise<NextResponse> {
  return respond(await api('countUnreadNotifications', {}));
}
