import { NextResponse } from 'next/server';

import type { RunsInProgress } from '@/app/(admin)/runs/runs-in-progress';

import { GET as runsInProgress } from '../runs-in-progress/route';

export const dynamic = 'force-dynamic';

/**
 * Runs in progress (running and pending) as a bare list: what dashboards loaded from an earlier
 * release poll every 2 s (their code maps over an array), served until they are reloaded. The
 * dashboard polls /bff/runs-in-progress since; this route can go in the release after.
 */
export async function GET(): Promise<NextResponse> {
  const answer = await runsInProgress();
  if (!answer.ok) return answer;
  const { runs } = (await answer.json()) as RunsInProgress;
  return NextResponse.json(runs);
}
