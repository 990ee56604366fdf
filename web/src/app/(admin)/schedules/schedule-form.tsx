'use client';

import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { TIME_ZONE_NAMES } from '@sheaf/contracts';
import Alert from '@mui/material/Alert';
import Autocomplete from '@mui/material/Autocomplete';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import FormControlLabel from '@mui/material/FormControlLabel';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import { ApiErrorAlert } from '@/components/api-error-alert';
import { useFocusOnFieldError } from '@/components/form-field-errors';
import { FormButtons } from '@/components/form-parts';
import type { ScheduleDto } from '@/lib/api-types';
import { cronCaveat, describeCron, formatInTimeZone, isTimeZone, nextRunTimes, parseCron, timeZoneNames } from '@/lib/cron';
import { fieldMessage } from '@/lib/field-messages';
import { useApiAction } from '@/lib/use-api-action';

import { CRON_PRESETS, DEFAULT_CRON, scheduleChanges } from './schedule-data';

export interface InstrumentOption {
  id: string;
  name: string;
}

const PREVIEW_COUNT = 5;
const FIELDS = ['instrumentId', 'cron', 'timezone', 'enabled', 'description'] as const;

/** The live reading of the cron field: English, the caveat, and the next start times in the zone. */
function CronPreview({ cron, timeZone }: { cron: string; timeZone: string }) {
  // The clock is read in the browser only, so the server's render and the first client render agree.
  const [now, setNow] = useState<Date | null>(null);
  useEffect(() => {
    setNow(new Date());
    const timer = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(timer);
  }, []);

  const parsed = useMemo(() => parseCron(cron), [cron]);
  const zoneOk = isTimeZone(timeZone);
  const times = useMemo(
    () => (parsed.ok && zoneOk && now ? nextRunTimes(parsed.schedule, timeZone, now, PREVIEW_COUNT) : []),
    [parsed, zoneOk, timeZone, now],
  );

  if (!parsed.ok) return null;
  const caveat = cronCaveat(parsed.schedule);
  return (
    <Paper variant="outlined" sx={{ p: 2, bgcolor: 'action.hover' }} aria-live="polite" aria-label="Preview">
      <Typography variant="subtitle2" component="p" sx={{ fontWeight: 600 }}>
        {describeCron(parsed.schedule)}
      </Typography>
      {caveat && (
        <Alert severity="info" sx={{ mt: 1, py: 0 }}>
          {caveat}
        </Alert>
      )}
      {!zoneOk ? (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
          Choose a time zone to see the next start times.
        </Typography>
      ) : now && times.length === 0 ? (
        <Alert severity="warning" sx={{ mt: 1, py: 0 }}>
          This expression never matches a date: the schedule would never start a harvest.
        </Alert>
      ) : (
        now && (
          <>
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
              Next start times ({timeZone}, computed here; Temporal&apos;s own plan is shown on the schedule&apos;s page):
            </Typography>
            <Box component="ol" sx={{ m: 0, mt: 0.5, pl: 3 }}>
              {times.map((time) => (
                <Typography component="li" variant="body2" key={time.toISOString()} sx={{ fontVariantNumeric: 'tabular-nums' }}>
                  {formatInTimeZone(time, timeZone)}
                </Typography>
              ))}
            </Box>
          </>
        )
      )}
    </Paper>
  );
}

/**
 * Creates a schedule (`schedule` absent; the instrument may be preselected) or edits one (its
 * instrument cannot change: the API has no such field).
 */
export function ScheduleForm({ schedule, instruments, instrumentId }: { schedule?: ScheduleDto; instruments: readonly InstrumentOption[]; instrumentId?: string }) {
  const router = useRouter();
  const action = useApiAction();
  const form = useRef<HTMLFormElement>(null);
  const editing = Boolean(schedule);
  const [instrument, setInstrument] = useState<InstrumentOption | null>(() => instruments.find((i) => i.id === instrumentId) ?? null);
  const [cron, setCron] = useState(schedule?.cron ?? DEFAULT_CRON);
  const [timeZone, setTimeZone] = useState(schedule?.timezone ?? 'UTC');
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const [description, setDescription] = useState(schedule?.description ?? '');
  const [missingInstrument, setMissingInstrument] = useState(false);
  const [zones, setZones] = useState<string[]>([]);

  // The browser knows its zones (and, for a new schedule, where the user is); the server may not agree.
  useEffect(() => {
    setZones(timeZoneNames());
    if (!schedule) {
      const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (local && isTimeZone(local)) setTimeZone(local);
    }
  }, [schedule]);
  const zoneOptions = useMemo(() => (timeZone && !zones.includes(timeZone) ? [timeZone, ...zones] : zones), [zones, timeZone]);

  const parsed = useMemo(() => parseCron(cron), [cron]);
  const currentExpression = parsed.ok ? parsed.schedule.expression : '';

  useFocusOnFieldError(action.error, form);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const body = { cron, timezone: timeZone, enabled, description: description.trim() };
    if (schedule) {
      // Only what was edited here: an unchanged field would undo another admin's change made meanwhile.
      const changes = scheduleChanges(schedule, body);
      const saved = Object.keys(changes).length === 0 || (await action.run('updateSchedule', { path: { id: schedule.id }, body: changes }));
      if (saved) {
        router.push(`/schedules/${schedule.id}`);
        router.refresh();
      }
      return;
    }
    if (!instrument) {
      setMissingInstrument(true);
      form.current?.querySelector<HTMLElement>('[name="instrumentId"]')?.focus();
      return;
    }
    await action.run('createSchedule', { body: { ...body, instrumentId: instrument.id } }, { thenOpen: (created) => `/schedules/${created.id}?created=1` });
  }

  const cronError = fieldMessage(action.error, 'cron');
  // A zone saved before the API took only the IANA database's names (IST): it must be replaced.
  const timeZoneError =
    fieldMessage(action.error, 'timezone') ??
    (timeZone && !TIME_ZONE_NAMES.includes(timeZone) ? `${timeZone} is not a name from the IANA time zone database, which Temporal needs: choose the zone's Region/City name` : undefined);
  const descriptionError = fieldMessage(action.error, 'description');
  const instrumentError = fieldMessage(action.error, 'instrumentId') ?? (missingInstrument ? 'Choose the instrument to harvest.' : undefined);

  return (
    <Paper variant="outlined" sx={{ p: { xs: 2, sm: 3 }, maxWidth: 760 }}>
      <Box component="form" ref={form} noValidate onSubmit={(event) => void submit(event)} aria-label={editing ? 'Edit schedule' : 'New schedule'}>
        <Stack spacing={2.5}>
          <ApiErrorAlert error={action.error} inlineFields={FIELDS} />
          {editing ? (
            <Box>
              <Typography variant="caption" color="text.secondary" component="div">
                Instrument
              </Typography>
              <Typography>{schedule?.instrumentName}</Typography>
              <Typography variant="caption" color="text.secondary">
                A schedule keeps its instrument; create another schedule for another instrument.
              </Typography>
            </Box>
          ) : (
            <Autocomplete
              options={instruments}
              value={instrument}
              onChange={(_event, value) => {
                setInstrument(value);
                setMissingInstrument(false);
              }}
              getOptionLabel={(option) => option.name}
              isOptionEqualToValue={(option, value) => option.id === value.id}
              autoHighlight
              noOptionsText="No instrument with this name"
              renderInput={(params) => (
                <TextField
                  {...params}
                  name="instrumentId"
                  label="Instrument"
                  required
                  autoFocus={!instrumentId}
                  error={Boolean(instrumentError)}
                  helperText={instrumentError ?? 'The instrument this schedule harvests.'}
                />
              )}
            />
          )}

          <Box>
            <TextField
              name="cron"
              label="Cron expression"
              value={cron}
              onChange={(event) => {
                setCron(event.target.value);
                if (action.error?.field === 'cron') action.clearError();
              }}
              required
              fullWidth
              autoFocus={Boolean(instrumentId) || editing}
              error={Boolean(cronError) || !parsed.ok}
              helperText={cronError ?? (parsed.ok ? 'minute hour day-of-month month day-of-week, e.g. 30 4 * * 1-5' : parsed.message)}
              slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'off', autoCorrect: 'off', sx: { fontFamily: 'monospace' } } }}
            />
            <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, mt: 1 }} role="group" aria-label="Common schedules">
              {CRON_PRESETS.map((preset) => (
                <Chip
                  key={preset.cron}
                  label={preset.label}
                  size="small"
                  variant={preset.cron === currentExpression ? 'filled' : 'outlined'}
                  color={preset.cron === currentExpression ? 'primary' : 'default'}
                  aria-pressed={preset.cron === currentExpression}
                  onClick={() => setCron(preset.cron)}
                />
              ))}
            </Box>
          </Box>

          <Autocomplete
            options={zoneOptions}
            value={timeZone || null}
            onChange={(_event, value) => setTimeZone(value ?? '')}
            autoHighlight
            disableClearable={Boolean(timeZone)}
            noOptionsText="No time zone with this name"
            renderInput={(params) => (
              <TextField
                {...params}
                name="timezone"
                label="Time zone"
                required
                error={Boolean(timeZoneError)}
                helperText={timeZoneError ?? 'The cron reads as wall-clock time here, daylight saving included.'}
              />
            )}
          />

          <CronPreview cron={cron} timeZone={timeZone} />

          <TextField
            name="description"
            label="Note"
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            multiline
            minRows={2}
            error={Boolean(descriptionError)}
            helperText={descriptionError ?? 'Optional: why this schedule exists, for the next admin.'}
            slotProps={{ htmlInput: { maxLength: 4000 } }}
          />

          <Box>
            <FormControlLabel control={<Switch name="enabled" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />} label="Active" />
            <Typography variant="body2" color="text.secondary">
              {enabled ? 'Temporal starts harvests at the times above.' : 'Paused: Temporal keeps the schedule but starts nothing until it is resumed.'}
            </Typography>
          </Box>

          {!editing && instruments.length === 0 && (
            <Alert severity="info">There are no instruments yet: create one first, then schedule its harvests.</Alert>
          )}

          <FormButtons
            submitLabel={editing ? 'Save changes' : 'Create schedule'}
            pending={action.pending}
            onCancel={() => router.push(schedule ? `/schedules/${schedule.id}` : '/schedules')}
          />
        </Stack>
      </Box>
    </Paper>
  );
}
