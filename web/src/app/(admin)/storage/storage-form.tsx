'use client';

import { useRef, useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { STORAGE_TYPES, STORAGE_TYPES_WITH_SECRET, type StorageType } from '@sheaf/contracts';
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import { ApiErrorAlert } from '@/components/api-error-alert';
import { useFieldErrors } from '@/components/form-field-errors';
import { ConfigFieldInputs, FormButtons, SavedAlert, TypeRadioGroup } from '@/components/form-parts';
import { SecretField } from '@/components/secret-field';
import type { StorageLocationDto } from '@/lib/api-types';
import { fieldMessage } from '@/lib/field-messages';
import { useApiAction } from '@/lib/use-api-action';

import { buildStorageConfig, CONFIG_FIELDS, configValues, SECRET_LABEL, STORAGE_TYPE_HINTS, STORAGE_TYPE_LABELS } from './storage-types';

const FILES_DELIVERED =
  'Files were delivered to this storage location where it is now, and Sheaf does not move them. If you have moved them to the new place, ' +
  'tick the box below and save again; otherwise keep this location as it is and create another one for the new place.';

/** Creates a storage location, or edits one (`location` given; its type cannot change). */
export function StorageLocationForm({ location }: { location?: StorageLocationDto }) {
  const router = useRouter();
  const action = useApiAction();
  const editing = Boolean(location);
  const [name, setName] = useState(location?.name ?? '');
  const [type, setType] = useState<StorageType>(location?.type ?? 'posix');
  const [values, setValues] = useState<Record<string, string>>(() => configValues(location));
  const [secret, setSecret] = useState('');
  const [saved, setSaved] = useState(false);
  // Asked once the API refuses to move a location files were delivered to (or already answered).
  // Its refusal names the root field, whose value is not wrong: said above the form in the
  // portal's words, with the box that answers it.
  const [contentsMoved, setContentsMoved] = useState(false);
  const filesDelivered = action.error?.code === 'files_delivered';
  const askContentsMoved = contentsMoved || filesDelivered;
  const error = filesDelivered && action.error ? { ...action.error, field: undefined, message: FILES_DELIVERED } : action.error;
  const form = useRef<HTMLFormElement>(null);
  const fieldProps = useFieldErrors(error, form);

  const fields = CONFIG_FIELDS[type];
  const secretLabel = SECRET_LABEL[type];
  const usesSecret = STORAGE_TYPES_WITH_SECRET.includes(type);
  const inlineFields = ['name', 'type', 'secret', ...fields.map((f) => `config.${f.key}`)];

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const config = buildStorageConfig(type, values);
    const secretValue = usesSecret && secret !== '' ? secret : undefined;
    if (location) {
      const body = { name: name.trim(), config, secret: secretValue, ...(contentsMoved ? { contentsMoved: true } : {}) };
      const updated = await action.run('updateStorageLocation', { path: { id: location.id }, body });
      if (!updated) return;
      setSecret('');
      setContentsMoved(false);
      setSaved(true);
      router.refresh();
    } else {
      await action.run('createStorageLocation', { body: { name: name.trim(), type, config, secret: secretValue } }, { thenOpen: (created) => `/storage/${created.id}?created=1` });
    }
  }

  return (
    <Paper variant="outlined" sx={{ p: { xs: 2, sm: 3 }, maxWidth: 720 }}>
      <Box component="form" ref={form} noValidate onSubmit={(event) => void submit(event)} aria-label={editing ? 'Edit storage location' : 'New storage location'}>
        <Stack spacing={2.5}>
          <ApiErrorAlert error={error} inlineFields={inlineFields} />
          {saved && <SavedAlert onClose={() => setSaved(false)} />}
          <TextField
            label="Name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            helperText="How instruments and people refer to it, e.g. archive"
            autoFocus={!editing}
            {...fieldProps('name', 'Name')}
          />
          {editing ? (
            <Box>
              <Typography variant="caption" color="text.secondary" component="div">
                Type
              </Typography>
              <Typography>
                {STORAGE_TYPE_LABELS[type]} — {STORAGE_TYPE_HINTS[type]}
              </Typography>
              <Typography variant="caption" color="text.secondary">
                The type cannot change; create another storage location instead.
              </Typography>
            </Box>
          ) : (
            <TypeRadioGroup
              id="storage-type"
              name="type"
              label="Type"
              types={STORAGE_TYPES}
              labels={STORAGE_TYPE_LABELS}
              hints={STORAGE_TYPE_HINTS}
              value={type}
              error={fieldMessage(action.error, 'type', 'Type')}
              onChange={(next) => {
                setType(next);
                action.clearError();
              }}
            />
          )}
          <ConfigFieldInputs
            type={type}
            fields={fields}
            values={values}
            onChange={(key, value) => setValues((v) => ({ ...v, [key]: value }))}
            apiPrefix="config"
            fieldProps={fieldProps}
          />
          {usesSecret && secretLabel && (
            <SecretField label={secretLabel} value={secret} onChange={setSecret} stored={location?.hasSecret} {...fieldProps('secret', secretLabel)} />
          )}
          {editing && askContentsMoved && (
            <FormControlLabel
              control={<Checkbox name="contentsMoved" checked={contentsMoved} onChange={(event) => setContentsMoved(event.target.checked)} />}
              label="The files delivered here so far have been moved to the new place"
            />
          )}
          <FormButtons submitLabel={editing ? 'Save changes' : 'Create storage location'} pending={action.pending} onCancel={editing ? undefined : () => router.push('/storage')} />
        </Stack>
      </Box>
    </Paper>
  );
}
