import { NextResponse } from 'next/server';

import { RUNS_IN_PROGRESS_PAGE } from '@/app/(admin)/runs/runs-in-progress';
import { api } from '@/lib/api';
import { respond } from '@/lib/bff';

export const dynamic = 'force-dynamic';

/**
 * Runs in progress (running and pending) as a bare list: what dashboards loaded from an earlier
 * release poll every 2 s (their code maps over an array), served until they are reloaded. The
 * dashboard polls /bff/runs-in-progress since; this route can go in the release after.
 */
export async function GET(): Promise<NextResponse> {
  const [running, pending] = await Promise.all([
    api('listHarvests', { query: { status: 'running', limit: RUNS_IN_PROGRESS_PAGE } }),
    api('listHarvests', { query: { status: 'pending', limit: RUNS_IN_PROGRESS_PAGE } }),
  ]);
  if (running.kind !== 'ok') return respond(running);
  if (pending.kind !== 'ok') return respond(pending);
  return NextResponse.json([...running.data.items, ...pending.data.items]);
}
