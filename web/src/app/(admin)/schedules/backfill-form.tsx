'use client';

import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import { ApiErrorAlert } from '@/components/api-error-alert';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { dateToZonedInput, formatInTimeZone, nextRunTimes, parseCron, zonedInputToDate } from '@/lib/cron';
import { fieldMessage } from '@/lib/field-messages';
import { useApiAction } from '@/lib/use-api-action';

/** Counting stops here: the preview only needs to say "many". */
const COUNT_LIMIT = 1000;
const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

/** How many start times the schedule had in [from, to). */
function slotsBetween(cron: string, timeZone: string, from: Date, to: Date): number | undefined {
  const parsed = parseCron(cron);
  if (!parsed.ok) return undefined;
  return nextRunTimes(parsed.schedule, timeZone, new Date(from.getTime() - 1), COUNT_LIMIT + 1).filter((t) => t < to).length;
}

/**
 * Runs the schedule for the start times it had in a past range (e.g. while an instrument was
 * offline). The range is entered in the schedule's time zone; Temporal skips a slot while the
 * previous harvest still runs.
 */
export function BackfillForm({ id, cron, timeZone }: { id: string; cron: string; timeZone: string }) {
  const action = useApiAction();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);

  // Default: the last 24 hours, read from the browser's clock after the first render.
  useEffect(() => {
    const now = new Date();
    setFrom(dateToZonedInput(new Date(now.getTime() - DAY), timeZone));
    setTo(dateToZonedInput(now, timeZone));
  }, [timeZone]);

  const { fromDate, toDate, rangeProblem, slots } = useMemo(() => {
    const fromDate = zonedInputToDate(from, timeZone);
    const toDate = zonedInputToDate(to, timeZone);
    const rangeProblem =
      fromDate && toDate && toDate <= fromDate
        ? 'The end must be after the start.'
        : toDate && toDate.getTime() > Date.now() + MINUTE
          ? 'The end must not be in the future: Temporal starts future runs itself.'
          : undefined;
    const slots = fromDate && toDate && !rangeProblem ? slotsBetween(cron, timeZone, fromDate, toDate) : undefined;
    return { fromDate, toDate, rangeProblem, slots };
  }, [cron, timeZone, from, to]);

  // The API named a field: focus it once the dialog has closed (it gives the focus back to its opener first).
  useEffect(() => {
    const field = action.error?.field;
    if (field !== 'from' && field !== 'to') return;
    const timer = setTimeout(() => form.current?.querySelector<HTMLElement>(`[name="${field}"]`)?.focus(), 300);
    return () => clearTimeout(timer);
  }, [action.error]);

  function review(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    action.clearError();
    if (fromDate && toDate && !rangeProblem) setConfirming(true);
  }

  async function start() {
    if (!fromDate || !toDate) return;
    const answer = await action.run('backfillSchedule', { path: { id }, body: { from: fromDate.toISOString(), to: toDate.toISOString() } });
    setConfirming(false);
    if (answer) setDone(`Backfill requested for ${formatInTimeZone(fromDate, timeZone)} to ${formatInTimeZone(toDate, timeZone)}.`);
  }

  const slotText =
    slots === undefined ? undefined : slots === 0 ? 'The schedule had no start time in this range.' : `${slots > COUNT_LIMIT ? `More than ${COUNT_LIMIT}` : slots} start time${slots === 1 ? '' : 's'} in this range.`;
  const fromError = fieldMessage(action.error, 'from');
  const toError = fieldMessage(action.error, 'to');
  const inputProps = { slotProps: { inputLabel: { shrink: true } }, required: true, fullWidth: false, sx: { width: { xs: '100%', sm: 280 } } } as const;

  return (
    <Paper variant="outlined" sx={{ p: 2, maxWidth: 760 }}>
      <Box component="form" ref={form} noValidate onSubmit={review} aria-label="Backfill">
        <Stack spacing={2}>
          <Typography variant="body2" color="text.secondary">
            Starts the harvests this schedule would have started in a past range, for example while the instrument was offline. Times are in {timeZone}. A
            harvest only copies what is new, so one run usually catches up; Temporal skips a start while the previous one still runs.
          </Typography>
          <ApiErrorAlert error={action.error} inlineFields={['from', 'to']} />
          {done && (
            <Alert severity="success" role="status" onClose={() => setDone(null)}>
              {done}
            </Alert>
          )}
          <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2 }}>
            <TextField
              type="datetime-local"
              name="from"
              label={`From (${timeZone})`}
              value={from}
              onChange={(event) => setFrom(event.target.value)}
              error={Boolean(fromError)}
              helperText={fromError ?? (fromDate ? `${fromDate.toISOString().slice(0, 16).replace('T', ' ')} UTC` : ' ')}
              {...inputProps}
            />
            <TextField
              type="datetime-local"
              name="to"
              label={`To (${timeZone})`}
              value={to}
              onChange={(event) => setTo(event.target.value)}
              error={Boolean(toError ?? rangeProblem)}
              helperText={toError ?? rangeProblem ?? (toDate ? `${toDate.toISOString().slice(0, 16).replace('T', ' ')} UTC` : ' ')}
              {...inputProps}
            />
          </Box>
          {slotText && (
            <Typography variant="body2" role="status">
              {slotText}
            </Typography>
          )}
          <Box>
            <Button type="submit" variant="outlined" disabled={!fromDate || !toDate || Boolean(rangeProblem) || slots === 0}>
              Backfill…
            </Button>
          </Box>
        </Stack>
      </Box>
      <ConfirmDialog
        open={confirming}
        title="Start the backfill?"
        confirmLabel="Backfill"
        pending={action.pending}
        error={action.error}
        onConfirm={() => void start()}
        onClose={() => setConfirming(false)}
      >
        {slotText} Temporal starts a harvest for each of them that does not overlap a running one.
      </ConfirmDialog>
    </Paper>
  );
}
