'use client';

import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import Alert from '@mui/material/Alert';
import Button, { type ButtonProps } from '@mui/material/Button';
import MuiLink from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';

import type { RunNowDto } from '@/lib/api-types';
import { useApiAction } from '@/lib/use-api-action';

interface ScheduleButtonProps {
  id: string;
  /** Names the schedule for screen readers where the button's text alone is ambiguous (rows of a list). */
  name?: string;
  size?: ButtonProps['size'];
}

function InlineError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <Typography role="alert" color="error" variant="body2">
      {message}
    </Typography>
  );
}

/** Pauses or resumes the Temporal Schedule (`enabled` false/true). */
export function PauseResumeButton({ id, name, size, enabled }: ScheduleButtonProps & { enabled: boolean }) {
  const router = useRouter();
  const action = useApiAction();
  const label = enabled ? 'Pause' : 'Resume';

  async function toggle() {
    if (await action.run('updateSchedule', { path: { id }, body: { enabled: !enabled } })) router.refresh();
  }

  return (
    <Stack spacing={0.5} sx={{ alignItems: 'flex-start' }}>
      <Button variant="outlined" size={size} loading={action.pending} onClick={() => void toggle()} aria-label={name ? `${label} ${name}` : undefined}>
        {label}
      </Button>
      <InlineError message={action.error?.message} />
    </Stack>
  );
}

/** Starts a harvest now through the schedule; says so when one of the instrument is already running. */
export function RunNowButton({ id, name, size }: ScheduleButtonProps) {
  const action = useApiAction();
  const [result, setResult] = useState<RunNowDto | null>(null);

  async function run() {
    setResult(null);
    const answer = await action.run('runScheduleNow', { path: { id } });
    if (answer) setResult(answer);
  }

  return (
    <Stack spacing={0.5} sx={{ alignItems: 'flex-start', maxWidth: 320 }}>
      <Button variant="outlined" size={size} loading={action.pending} onClick={() => void run()} aria-label={name ? `Run ${name} now` : undefined}>
        Run now
      </Button>
      <InlineError message={action.error?.message} />
      {result && (
        <Typography role="status" variant="body2" color={result.started ? 'success.main' : 'warning.main'}>
          {result.message}
          {result.activeRunId && (
            <>
              {' '}
              <MuiLink component={Link} href={`/runs/${result.activeRunId}`}>
                Open the running harvest
              </MuiLink>
            </>
          )}
        </Typography>
      )}
    </Stack>
  );
}

/** Pushes the row to Temporal again after a failed sync; the API answers 503 while Temporal stays away. */
export function ResyncButton({ id, name, size }: ScheduleButtonProps) {
  const router = useRouter();
  const action = useApiAction();

  async function resync() {
    if (await action.run('syncSchedule', { path: { id } })) router.refresh();
  }

  return (
    <Stack spacing={0.5} sx={{ alignItems: 'flex-start' }}>
      <Button variant="outlined" color="warning" size={size} loading={action.pending} onClick={() => void resync()} aria-label={name ? `Re-sync ${name}` : undefined}>
        Re-sync
      </Button>
      <InlineError message={action.error?.message} />
    </Stack>
  );
}

/** Why a schedule is not in Temporal yet, with the button that retries. */
export function SyncProblem({ id, name, syncError }: { id: string; name?: string; syncError: string | null }) {
  return (
    <Alert severity="warning" sx={{ alignItems: 'center', py: 0 }} action={<ResyncButton id={id} name={name} size="small" />}>
      Not synced with Temporal{syncError ? `: ${syncError}` : '.'}
    </Alert>
  );
}
