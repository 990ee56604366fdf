'use client';

import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { SourceType } from '@sheaf/contracts';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import MuiLink from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import { ApiErrorAlert } from '@/components/api-error-alert';
import { useFieldErrors } from '@/components/form-field-errors';
import { ConfigFieldInputs, FormButtons, TypeRadioGroup } from '@/components/form-parts';
import type { DestinationInputDto, InstrumentDto, ServiceAccountDto, StorageLocationDto } from '@/lib/api-types';
import { fieldMessage } from '@/lib/field-messages';
import { useApiAction } from '@/lib/use-api-action';

import { describeStorage, STORAGE_TYPE_LABELS } from '../storage/storage-types';
import { instrumentChanges, type InstrumentFields } from './instrument-changes';
import {
  buildSourceConfig,
  DEFAULT_PATH_TEMPLATE,
  MIN_AGE_DEFAULT,
  parseSeconds,
  SOURCE_FIELDS,
  SOURCE_TYPE_HINTS,
  SOURCE_TYPE_LABELS,
  SOURCE_TYPE_ORDER,
  sourceValues,
} from './source-types';

/** What the pickers offer: live accounts and locations (the form adds an instrument's current ones). */
export type AccountOption = Pick<ServiceAccountDto, 'id' | 'name' | 'domain' | 'username'>;
export type StorageOption = Pick<StorageLocationDto, 'id' | 'name' | 'type' | 'config'>;

/** One titled part of the form (a fieldset, so its legend names the fields for screen readers). */
function FormSection({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <Paper variant="outlined" component="fieldset" sx={{ p: { xs: 2, sm: 3 }, m: 0 }}>
      <Typography component="legend" variant="h6" sx={{ fontWeight: 600, px: 0.5 }}>
        {legend}
      </Typography>
      {children}
    </Paper>
  );
}

/**
 * Creates an instrument, or edits one (`instrument` given). Every value is checked by the API;
 * its message appears beside the field it names.
 */
export function InstrumentForm({
  instrument,
  accounts,
  storageLocations,
}: {
  instrument?: InstrumentDto;
  accounts: AccountOption[];
  storageLocations: StorageOption[];
}) {
  const router = useRouter();
  const action = useApiAction();
  const editing = Boolean(instrument);

  const [name, setName] = useState(instrument?.name ?? '');
  const [description, setDescription] = useState(instrument?.description ?? '');
  const [location, setLocation] = useState(instrument?.location ?? '');
  const [enabled, setEnabled] = useState(instrument?.enabled ?? true);
  const [sourceType, setSourceType] = useState<SourceType>(instrument?.sourceType ?? 'smb');
  const [values, setValues] = useState<Record<string, string>>(() => sourceValues(instrument));
  const [serviceAccountId, setServiceAccountId] = useState(instrument?.serviceAccountId ?? '');
  const [minAge, setMinAge] = useState(String(instrument?.minAgeSeconds ?? MIN_AGE_DEFAULT));
  /** Chosen storage locations and their path templates. */
  const [destinations, setDestinations] = useState<Map<string, string>>(
    () => new Map((instrument?.destinations ?? []).map((d) => [d.storageLocationId, d.pathTemplate])),
  );

  // The pickers also show what the instrument has now, even if it is deleted or beyond the first page.
  const storageChoices: StorageOption[] = [
    ...storageLocations,
    ...(instrument?.destinations ?? [])
      .filter((d) => !storageLocations.some((s) => s.id === d.storageLocationId))
      .map((d) => ({ id: d.storageLocationId, name: d.storageLocationName, type: d.storageType, config: {} })),
  ];
  const accountChoices: AccountOption[] =
    instrument?.serviceAccountId && !accounts.some((a) => a.id === instrument.serviceAccountId)
      ? [...accounts, { id: instrument.serviceAccountId, name: 'The current account (deleted)', domain: '', username: '' }]
      : accounts;

  const chosen = storageChoices.filter((s) => destinations.has(s.id));
  const fields = SOURCE_FIELDS[sourceType];
  const inlineFields = [
    'name',
    'description',
    'location',
    'sourceType',
    'minAgeSeconds',
    'enabled',
    'serviceAccountId',
    ...fields.map((f) => `sourceConfig.${f.key}`),
    ...chosen.flatMap((_, i) => [`destinations[${i}].pathTemplate`, `destinations[${i}].storageLocationId`]),
  ];

  const form = useRef<HTMLFormElement>(null);
  const fieldProps = useFieldErrors(action.error, form);

  function toggleDestination(id: string, on: boolean) {
    setDestinations((current) => {
      const next = new Map(current);
      if (on) next.set(id, next.get(id) ?? DEFAULT_PATH_TEMPLATE);
      else next.delete(id);
      return next;
    });
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const body: InstrumentFields = {
      name: name.trim(),
      description: description.trim(),
      location: location.trim(),
      sourceType,
      sourceConfig: buildSourceConfig(sourceType, values),
      serviceAccountId: sourceType === 'smb' ? serviceAccountId || null : null,
      minAgeSeconds: parseSeconds(minAge),
      enabled,
      destinations: chosen.map((s): DestinationInputDto => ({ storageLocationId: s.id, pathTemplate: destinations.get(s.id) ?? DEFAULT_PATH_TEMPLATE })),
    };
    if (instrument) {
      // Only what was edited here: an unchanged field would undo another admin's change made meanwhile.
      const changes = instrumentChanges(instrument, body);
      if (Object.keys(changes).length === 0) {
        router.push(`/instruments/${instrument.id}`);
        return;
      }
      const updated = await action.run('updateInstrument', { path: { id: instrument.id }, body: changes });
      if (!updated) return;
      router.push(`/instruments/${instrument.id}?saved=1`);
      router.refresh();
    } else {
      await action.run('createInstrument', { body }, { thenOpen: (created) => `/instruments/${created.id}?created=1` });
    }
  }

  const accountField = fieldProps('serviceAccountId', 'Service account');

  return (
    <Box component="form" ref={form} noValidate onSubmit={(event) => void submit(event)} aria-label={editing ? 'Edit instrument' : 'New instrument'} sx={{ maxWidth: 760 }}>
      <Stack spacing={3}>
        <ApiErrorAlert error={action.error} inlineFields={inlineFields} />

        <FormSection legend="Instrument">
          <Stack spacing={2.5}>
            <TextField
              label="Name"
              value={name}
              onChange={(event) => setName(event.target.value)}
              helperText="Letters, digits, ., _ and - (at most 64); used in destination paths and workflow ids, e.g. krios-1"
              autoFocus={!editing}
              slotProps={{ htmlInput: { spellCheck: false } }}
              {...fieldProps('name', 'Name')}
            />
            <TextField
              label="Description"
              value={description}
              onChange={(event) => setDescription(event.target.value)}
              helperText="Optional"
              multiline
              minRows={2}
              {...fieldProps('description', 'Description')}
            />
            <TextField
              label="Location"
              value={location}
              onChange={(event) => setLocation(event.target.value)}
              helperText="Optional: where the instrument stands, e.g. Building 2, room 117"
              {...fieldProps('location', 'Location')}
            />
            <FormControl error={Boolean(fieldMessage(action.error, 'enabled'))}>
              <FormControlLabel control={<Switch checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />} label="Enabled" />
              <FormHelperText sx={{ mx: 0 }}>{fieldMessage(action.error, 'enabled') ?? 'A disabled instrument is not harvested, and its schedules pause.'}</FormHelperText>
            </FormControl>
          </Stack>
        </FormSection>

        <FormSection legend="Source">
          <Stack spacing={2.5}>
            <TypeRadioGroup
              id="source-type"
              name="sourceType"
              label="Source type"
              types={SOURCE_TYPE_ORDER}
              labels={SOURCE_TYPE_LABELS}
              hints={SOURCE_TYPE_HINTS}
              value={sourceType}
              error={fieldMessage(action.error, 'sourceType', 'Source type')}
              onChange={(next) => {
                setSourceType(next);
                action.clearError();
              }}
            />
            <ConfigFieldInputs
              type={sourceType}
              fields={fields}
              values={values}
              onChange={(key, value) => setValues((v) => ({ ...v, [key]: value }))}
              apiPrefix="sourceConfig"
              fieldProps={fieldProps}
            />
            {sourceType === 'smb' && (
              <Box>
                <TextField
                  select
                  label="Service account"
                  value={serviceAccountId}
                  onChange={(event) => setServiceAccountId(event.target.value)}
                  {...accountField}
                  helperText={accountField.helperText ?? 'The credentials Sheaf signs in to the share with'}
                  slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}
                >
                  <option value="">{accountChoices.length ? 'Choose a service account' : 'No service accounts yet'}</option>
                  {accountChoices.map((account) => (
                    <option key={account.id} value={account.id}>
                      {account.username ? `${account.name} (${account.domain ? `${account.domain}\\` : ''}${account.username})` : account.name}
                    </option>
                  ))}
                </TextField>
                <MuiLink component={Link} href="/service-accounts/new" variant="body2" target="_blank" rel="noopener" sx={{ display: 'inline-block', mt: 0.5 }}>
                  New service account (opens in a new tab)
                </MuiLink>
              </Box>
            )}
            <TextField
              label="Quiet period (seconds)"
              value={minAge}
              onChange={(event) => setMinAge(event.target.value)}
              helperText="A file is harvested only once it has been unchanged this long, so files still being written are left alone"
              slotProps={{ htmlInput: { inputMode: 'numeric' } }}
              {...fieldProps('minAgeSeconds', 'Quiet period')}
            />
          </Stack>
        </FormSection>

        <FormSection legend="Destinations">
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
            Every file is copied to each chosen storage location and verified there. The path template places it below the location; placeholders:{' '}
            <Box component="code">{'{instrument}'}</Box>, <Box component="code">{'{path}'}</Box>, <Box component="code">{'{dir}'}</Box>,{' '}
            <Box component="code">{'{name}'}</Box>, <Box component="code">{'{stem}'}</Box>, <Box component="code">{'{ext}'}</Box>,{' '}
            <Box component="code">{'{version}'}</Box>.
          </Typography>
          {storageChoices.length === 0 ? (
            <Alert severity="info">
              No storage locations yet.{' '}
              <MuiLink component={Link} href="/storage/new" target="_blank" rel="noopener">
                Create one
              </MuiLink>{' '}
              (opens in a new tab), then reload this page.
            </Alert>
          ) : (
            <Stack spacing={1.5} role="group" aria-label="Destinations">
              {storageChoices.map((storage) => {
                const index = chosen.findIndex((s) => s.id === storage.id);
                const checked = index >= 0;
                const detail = Object.keys(storage.config).length ? `${STORAGE_TYPE_LABELS[storage.type]}, ${describeStorage(storage)}` : STORAGE_TYPE_LABELS[storage.type];
                const idError = checked ? fieldMessage(action.error, `destinations[${index}].storageLocationId`) : undefined;
                return (
                  <Box key={storage.id}>
                    <FormControlLabel
                      control={
                        <Checkbox
                          checked={checked}
                          onChange={(event) => toggleDestination(storage.id, event.target.checked)}
                          slotProps={{ input: { 'aria-describedby': `destination-detail-${storage.id}` } }}
                        />
                      }
                      label={storage.name}
                    />
                    <Typography id={`destination-detail-${storage.id}`} component="span" variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
                      {detail}
                    </Typography>
                    {idError && (
                      <FormHelperText error sx={{ ml: 4 }}>
                        {idError}
                      </FormHelperText>
                    )}
                    {checked && (
                      <Box sx={{ ml: 4, mt: 1 }}>
                        <TextField
                          size="small"
                          label={`Path template for ${storage.name}`}
                          value={destinations.get(storage.id) ?? ''}
                          onChange={(event) => setDestinations((current) => new Map(current).set(storage.id, event.target.value))}
                          helperText={`Default ${DEFAULT_PATH_TEMPLATE}: the instrument's name, then the file's path in the source`}
                          slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }}
                          {...fieldProps(`destinations[${index}].pathTemplate`, 'Path template')}
                        />
                      </Box>
                    )}
                  </Box>
                );
              })}
            </Stack>
          )}
        </FormSection>

        <FormButtons
          submitLabel={editing ? 'Save changes' : 'Create instrument'}
          pending={action.pending}
          onCancel={() => router.push(instrument ? `/instruments/${instrument.id}` : '/instruments')}
        />
      </Stack>
    </Box>
  );
}
