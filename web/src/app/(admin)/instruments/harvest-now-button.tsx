'use client';

import { useEffect, useRef } from 'react';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';

import { ApiErrorAlert } from '@/components/api-error-alert';
import { useApiAction } from '@/lib/use-api-action';

/** Errors after which the harvest may have started: a retry sends the same key. */
const KEEPS_KEY: ReadonlySet<string> = new Set(['PORTAL_UNREACHABLE', 'API_NO_ANSWER']);

/** Starts a harvest and opens its run; one key per intent, so a double click or a retry starts one run. */
export function HarvestNowButton({ instrumentId, disabled }: { instrumentId: string; disabled?: boolean }) {
  const action = useApiAction();
  const key = useRef<string | null>(null);

  // A 409 (the same intent is still being handled) or a request that may not have come back (the
  // portal's action, or the API's answer in time) keeps the key for the retry; any other refusal
  // ends this intent, the next click is a new one.
  useEffect(() => {
    if (action.error && action.error.statusCode !== 409 && !KEEPS_KEY.has(action.error.code)) key.current = null;
  }, [action.error]);

  async function start() {
    key.current ??= crypto.randomUUID();
    const started = await action.run('startHarvest', { headers: { 'idempotency-key': key.current }, body: { instrumentId } }, { thenOpen: ({ runId }) => `/runs/${runId}` });
    if (started) key.current = null;
  }

  return (
    <Stack spacing={1} sx={{ alignItems: 'flex-end' }}>
      <Button variant="contained" onClick={() => void start()} loading={action.pending} disabled={disabled}>
        Harvest now
      </Button>
      <ApiErrorAlert error={action.error} />
    </Stack>
  );
}
