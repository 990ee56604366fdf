'use client';

import TextField, { type TextFieldProps } from '@mui/material/TextField';

export interface SecretFieldProps extends Omit<TextFieldProps, 'type' | 'value' | 'onChange' | 'defaultValue'> {
  value: string;
  onChange: (value: string) => void;
  /** A secret is already stored: empty means "keep it", and the helper text says so. */
  stored?: boolean;
}

/**
 * A write-only secret (password, secret key): never prefilled, since the API never returns it.
 * On edit an empty field keeps the stored secret; typing replaces it.
 */
export function SecretField({ value, onChange, stored, helperText, ...props }: SecretFieldProps) {
  const hint = stored ? 'A secret is stored. Leave empty to keep it; type to replace it.' : 'Stored encrypted; it is never shown again.';
  return (
    <TextField
      {...props}
      type="password"
      autoComplete="new-password"
      value={value}
      onChange={(event) => onChange(event.target.value)}
      placeholder={stored ? '•••••••• (unchanged)' : undefined}
      helperText={helperText ?? hint}
      slotProps={{ ...props.slotProps, htmlInput: { spellCheck: false, ...(props.slotProps?.htmlInput as object | undefined) } }}
    />
  );
}
