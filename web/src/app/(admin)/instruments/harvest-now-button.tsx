'use client';

import { useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ApiError } from '@sheaf/contracts';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';

import type { StartedHarvestDto } from '@/lib/api-types';

/** Starts a harvest; one key per intent, so a double click or a retry starts one run. */
export function HarvestNowButton({ instrumentId, disabled }: { instrumentId: string; disabled?: boolean }) {
  const router = useRouter();
  const key = useRef<string | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function start() {
    setPending(true);
    setError(null);
    key.current ??= crypto.randomUUID();
    try {
      const response = await fetch('/bff/harvests', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key.current },
        body: JSON.stringify({ instrumentId }),
      });
      if (response.status === 401) {
        window.location.assign('/login?expired=1');
        return;
      }
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as ApiError | null;
        setError(body?.message ?? `Starting the harvest failed (${response.status}).`);
        if (response.status !== 409) key.current = null;
        return;
      }
      const started = (await response.json()) as StartedHarvestDto;
      key.current = null;
      router.push(`/runs/${started.runId}`);
    } catch {
      setError('The portal could not be reached. Try again.');
    } finally {
      setPending(false);
    }
  }

  return (
    <Stack spacing={1} sx={{ alignItems: 'flex-end' }}>
      <Button variant="contained" onClick={() => void start()} loading={pending} disabled={disabled}>
        Harvest now
      </Button>
      {error && (
        <Alert severity="error" role="alert">
          {error}
        </Alert>
      )}
    </Stack>
  );
}
