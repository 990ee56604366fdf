import type { NextRequest, NextResponse } from 'next/server';

import { api } from '@/lib/api';
import { respond } from '@/lib/bff';

export const dynamic = 'force-dynamic';

export async function GET(_request: NextRequest, { params }: { params: Promise<{ id: string }> }): Promise<NextResponse> {
  const { id } = await params;
  return respond(await api('getHarvest', { path: { id } }));
}
