import { NextResponse } from 'next/server';

import { api } from '@/lib/api';
import { respond } from '@/lib/bff';

export const dynamic = 'force-dynamic';

/** Runs in progress (running and pending), for the dashboard's live view. */
export async function GET(): Promise<NextResponse> {
  const [running, pending] = await Promise.all([
    api('listHarvests', { query: { status: 'running', limit: 50 } }),
    api('listHarvests', { query: { status: 'pending', limit: 50 } }),
  ]);
  if (running.kind !== 'ok') return respond(running);
  if (pending.kind !== 'ok') return respond(pending);
  return NextResponse.json([...running.data.items, ...pending.data.items]);
}
