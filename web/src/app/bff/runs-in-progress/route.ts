import { NextResponse } from 'next/server';

import { runsInProgress, RUNS_IN_PROGRESS_PAGE } from '@/app/(admin)/runs/runs-in-progress';
import { api } from '@/lib/api';
import { respond } from '@/lib/bff';

export const dynamic = 'force-dynamic';

/** Runs in progress (running and pending) and how many of each there are, for the dashboard's live view. */
export async function GET(): Promise<NextResponse> {
  const [running, pending] = await Promise.all([
    api('listHarvests', { query: { status: 'running', limit: RUNS_IN_PROGRESS_PAGE } }),
    api('listHarvests', { query: { status: 'pending', limit: RUNS_IN_PROGRESS_PAGE } }),
  ]);
  if (running.kind !== 'ok') return respond(running);
  if (pending.kind !== 'ok') return respond(pending);
  return NextResponse.json(runsInProgress(running.data, pending.data));
}
