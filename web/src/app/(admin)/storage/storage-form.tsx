'use client';

import { useRef, useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { STORAGE_TYPES, STORAGE_TYPES_WITH_SECRET, type StorageType } from '@sheaf/contracts';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import Paper from '@mui/material/Paper';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import { ApiErrorAlert } from '@/components/api-error-alert';
import { useFieldErrors } from '@/components/form-field-errors';
import { SecretField } from '@/components/secret-field';
import type { StorageLocationDto } from '@/lib/api-types';
import { useApiAction } from '@/lib/use-api-action';

import { buildStorageConfig, CONFIG_FIELDS, configValues, SECRET_LABEL, STORAGE_TYPE_HINTS, STORAGE_TYPE_LABELS } from './storage-types';

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
  const form = useRef<HTMLFormElement>(null);
  const fieldProps = useFieldErrors(action, form);

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
      const updated = await action.run('updateStorageLocation', { path: { id: location.id }, body: { name: name.trim(), config, secret: secretValue } });
      if (!updated) return;
      setSecret('');
      setSaved(true);
      router.refresh();
    } else {
      const created = await action.run('createStorageLocation', { body: { name: name.trim(), type, config, secret: secretValue } });
      if (!created) return;
      router.push(`/storage/${created.id}?created=1`);
    }
  }


  return (
    <Paper variant="outlined" sx={{ p: { xs: 2, sm: 3 }, maxWidth: 720 }}>
      <Box component="form" ref={form} noValidate onSubmit={(event) => void submit(event)} aria-label={editing ? 'Edit storage location' : 'New storage location'}>
        <Stack spacing={2.5}>
          <ApiErrorAlert error={action.error} inlineFields={inlineFields} />
          {saved && (
            <Alert severity="success" role="status" onClose={() => setSaved(false)}>
              Changes saved.
            </Alert>
          )}
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
            <FormControl error={Boolean(action.fieldError('type'))}>
              <FormLabel id="storage-type-label">Type</FormLabel>
              <RadioGroup
                aria-labelledby="storage-type-label"
                value={type}
                onChange={(event) => {
                  setType(event.target.value as StorageType);
                  action.clearError();
                }}
              >
                {STORAGE_TYPES.map((t) => (
                  <FormControlLabel
                    key={t}
                    value={t}
                    control={<Radio slotProps={{ input: { 'aria-describedby': `storage-type-hint-${t}` } }} />}
                    label={
                      <>
                        {STORAGE_TYPE_LABELS[t]}
                        <Typography id={`storage-type-hint-${t}`} component="span" variant="body2" color="text.secondary" aria-hidden>
                          {' '}
                          — {STORAGE_TYPE_HINTS[t]}
                        </Typography>
                      </>
                    }
                  />
                ))}
              </RadioGroup>
            </FormControl>
          )}
          {fields.map((field) => (
            <TextField
              key={`${type}-${field.key}`}
              label={field.label}
              value={values[field.key] ?? ''}
              onChange={(event) => setValues((v) => ({ ...v, [field.key]: event.target.value }))}
              helperText={field.helper}
              slotProps={{ htmlInput: { spellCheck: false, ...(field.numeric ? { inputMode: 'numeric' } : {}) } }}
              {...fieldProps(`config.${field.key}`, field.label)}
            />
          ))}
          {usesSecret && secretLabel && (
            <SecretField label={secretLabel} value={secret} onChange={setSecret} stored={location?.hasSecret} {...fieldProps('secret', secretLabel)} />
          )}
          <Box sx={{ display: 'flex', gap: 1 }}>
            <Button type="submit" variant="contained" loading={action.pending}>
              {editing ? 'Save changes' : 'Create storage location'}
            </Button>
            {!editing && (
              <Button onClick={() => router.push('/storage')} disabled={action.pending}>
                Cancel
              </Button>
            )}
          </Box>
        </Stack>
      </Box>
    </Paper>
  );
}
