import { NextResponse, type NextRequest } from 'next/server';

import { api } from '@/lib/api';
import { refuseNonJson, respond } from '@/lib/bff';

export const dynamic = 'force-dynamic';

/** "Harvest now": the browser's Idempotency-Key makes a double click start one run. */
export async function POST(request: NextRequest): Promise<NextResponse> {
  const refused = refuseNonJson(request);
  if (refused) return refused;
  const key = request.headers.get('idempotency-key')?.trim();
  const body = (await request.json().catch(() => null)) as { instrumentId?: unknown } | null;
  if (!key || typeof body?.instrumentId !== 'string') {
    return NextResponse.json({ statusCode: 400, code: 'VALIDATION', message: 'instrumentId and an Idempotency-Key are required.' }, { status: 400 });
  }
  return respond(await api('startHarvest', { headers: { 'idempotency-key': key }, body: { instrumentId: body.instrumentId } }));
}
