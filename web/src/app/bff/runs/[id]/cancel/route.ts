import type { NextRequest, NextResponse } from 'next/server';

import { api } from '@/lib/api';
import { refuseNonJson, respond } from '@/lib/bff';

export const dynamic = 'force-dynamic';

export async function POST(request: NextRequest, { params }: { params: Promise<{ id: string }> }): Promise<NextResponse> {
  const refused = refuseNonJson(request);
  if (refused) return refused;
  const { id } = await params;
  return respond(await api('cancelHarvest', { path: { id } }));
}
