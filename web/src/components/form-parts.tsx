'use client';

import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import FormLabel from '@mui/material/FormLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import type { FieldErrorProps } from '@/lib/field-messages';

import type { ConfigField } from './config-fields';

/** A page form's buttons: submit, and Cancel (or another way back) when `onCancel` is given. */
export function FormButtons({ submitLabel, pending, onCancel, cancelLabel = 'Cancel' }: { submitLabel: string; pending: boolean; onCancel?: () => void; cancelLabel?: string }) {
  return (
    <Box sx={{ display: 'flex', gap: 1 }}>
      <Button type="submit" variant="contained" loading={pending}>
        {submitLabel}
      </Button>
      {onCancel && (
        <Button onClick={onCancel} disabled={pending}>
          {cancelLabel}
        </Button>
      )}
    </Box>
  );
}

/** "Changes saved." after an edit that stays on the page. */
export function SavedAlert({ onClose }: { onClose: () => void }) {
  return (
    <Alert severity="success" role="status" onClose={onClose}>
      Changes saved.
    </Alert>
  );
}

/**
 * Radio buttons for a resource's type, each with its hint (read out as the radio's description).
 * `name` is the API's field name, so a refused value's message shows here and the focus finds it.
 */
export function TypeRadioGroup<T extends string>({
  id,
  name,
  label,
  types,
  labels,
  hints,
  value,
  error,
  onChange,
}: {
  /** Prefix of the element ids, unique on the page. */
  id: string;
  label: string;
  types: readonly T[];
  labels: Record<T, string>;
  hints: Record<T, string>;
  name: string;
  value: T;
  /** The API's message for this field, if it refused the value. */
  error: string | undefined;
  onChange: (next: T) => void;
}) {
  return (
    <FormControl error={Boolean(error)}>
      <FormLabel id={`${id}-label`}>{label}</FormLabel>
      <RadioGroup
        name={name}
        aria-labelledby={`${id}-label`}
        aria-describedby={error ? `${id}-error` : undefined}
        value={value}
        onChange={(event) => onChange(event.target.value as T)}
      >
        {types.map((t) => (
          <FormControlLabel
            key={t}
            value={t}
            control={<Radio slotProps={{ input: { 'aria-describedby': `${id}-hint-${t}` } }} />}
            label={
              <>
                {labels[t]}
                <Typography id={`${id}-hint-${t}`} component="span" variant="body2" color="text.secondary" aria-hidden>
                  {' '}
                  — {hints[t]}
                </Typography>
              </>
            }
          />
        ))}
      </RadioGroup>
      {error && (
        <FormHelperText id={`${id}-error`} sx={{ mx: 0 }}>
          {error}
        </FormHelperText>
      )}
    </FormControl>
  );
}

/** One text field per entry of a type's config table (see config-fields.ts). */
export function ConfigFieldInputs({
  type,
  fields,
  values,
  onChange,
  apiPrefix,
  fieldProps,
}: {
  /** The current type: a new type gets fresh inputs. */
  type: string;
  fields: readonly ConfigField[];
  values: Record<string, string>;
  onChange: (key: string, value: string) => void;
  /** The API's name of the config object in errors: `config`, `sourceConfig`. */
  apiPrefix: string;
  fieldProps: (field: string, label: string) => FieldErrorProps;
}) {
  return fields.map((field) => (
    <TextField
      key={`${type}-${field.key}`}
      label={field.label}
      value={values[field.key] ?? ''}
      onChange={(event) => onChange(field.key, event.target.value)}
      helperText={field.helper}
      slotProps={{ htmlInput: { spellCheck: false, ...(field.numeric ? { inputMode: 'numeric' } : {}) } }}
      {...fieldProps(`${apiPrefix}.${field.key}`, field.label)}
    />
  ));
}
