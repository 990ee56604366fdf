import type { NextRequest, NextResponse } from 'next/server';

import { api } from '@/lib/api';
import { refuseNonJson, respond } from '@/lib/bff';

export const dynamic = 'force-dynamic';

/** A connection test, outside the server-action queue: several run at once and none blocks a save. */
export async function POST(request: NextRequest, { params }: { params: Promise<{ id: string }> }): Promise<NextResponse> {
  const refused = refuseNonJson(request);
  if (refused) return refused;
  const { id } = await params;
  return respond(await api('testInstrument', { path: { id } }));
}
