'use client';

import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import Alert from '@mui/material/Alert';
import Button, { type ButtonProps } from '@mui/material/Button';
import MuiLink from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';

import { ApiErrorAlert } from '@/components/api-error-alert';
import type { RunNowDto } from '@/lib/api-types';
import { useApiAction } from '@/lib/use-api-action';

interface ScheduleButtonProps {
  id: string;
  /** Names the schedule for screen readers where the button's text alone is ambiguous (rows of a list). */
  name?: string;
  size?: ButtonProps['size'];
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
      <Button
        variant="outlined"
        size={size}
        loading={action.pending}
        onClick={() => void toggle()}
        aria-label={name ? `${label} ${name}` : undefined}
        sx={{ whiteSpace: 'nowrap' }}
      >
        {label}
      </Button>
      <ApiErrorAlert error={action.error} />
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
      <Button
        variant="outlined"
        size={size}
        loading={action.pending}
        onClick={() => void run()}
        aria-label={name ? `Run now: ${name}` : undefined}
        sx={{ whiteSpace: 'nowrap' }}
      >
        Run now
      </Button>
      <ApiErrorAlert error={action.error} />
      {result && (
        <Typography role="status" variant="body2" sx={{ borderLeft: 3, borderColor: result.started ? 'success.main' : 'warning.main', pl: 1 }}>
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

/**
 * Why a schedule is not in Temporal yet, with the button that pushes it again (the API answers
 * 503 while Temporal stays away). `compact` for a table cell: text over the button.
 */
export function SyncProblem({ id, name, syncError, compact }: { id: string; name?: string; syncError: string | null; compact?: boolean }) {
  const router = useRouter();
  const action = useApiAction();

  async function resync() {
    if (await action.run('syncSchedule', { path: { id } })) router.refresh();
  }

  const reason = action.error?.message ?? syncError;
  const text = `Not synced with Temporal${reason ? `: ${reason}${/[.!?]$/.test(reason) ? '' : '.'}` : '.'}`;
  const retried = action.error ? ' The re-sync failed too; try again when Temporal is back.' : '';
  const button = (
    <Button
      variant="outlined"
      color="warning"
      size="small"
      loading={action.pending}
      onClick={() => void resync()}
      aria-label={name ? `Re-sync ${name}` : undefined}
      sx={{ whiteSpace: 'nowrap' }}
    >
      Re-sync
    </Button>
  );

  if (compact) {
    return (
      <Stack spacing={0.5} sx={{ alignItems: 'flex-start' }}>
        <Typography variant="body2" role={action.error ? 'alert' : undefined} sx={{ borderLeft: 3, borderColor: 'warning.main', pl: 1 }}>
          {text}
          {retried}
        </Typography>
        {button}
      </Stack>
    );
  }
  return (
    <Alert severity="warning" role={action.error ? 'alert' : undefined} sx={{ alignItems: 'center' }} action={button}>
      {text}
      {retried}
    </Alert>
  );
}
