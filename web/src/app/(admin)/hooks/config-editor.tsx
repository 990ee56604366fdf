'use client';

import type { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

import {
  emptyItem,
  fieldKey,
  formatPath,
  inputId,
  type DraftObject,
  type DraftValue,
  type FieldSpec,
  type JsonSpec,
  type NumberSpec,
  type ObjectListSpec,
  type ObjectSpec,
  type PathSegment,
} from '@/lib/schema-form';

/** The DOM id prefix of config inputs (`config-rules-0-pattern`), so the form can focus one. */
export const CONFIG_ID_PREFIX = 'config';

export interface ConfigEditorProps {
  spec: ObjectSpec | JsonSpec;
  draft: DraftObject | string;
  onChange: (draft: DraftObject | string) => void;
  /** The message to show at an input (`rules[0].pattern`), if any. */
  errorFor: (input: string) => string | undefined;
  onBlur: (input: string) => void;
  disabled?: boolean;
}

interface FieldProps<S extends FieldSpec, V extends DraftValue> {
  spec: S;
  value: V;
  onChange: (value: V) => void;
  /** The enclosing list items' path (`['rules', 0]`): field paths are relative to it. */
  prefix: readonly PathSegment[];
  errorFor: (input: string) => string | undefined;
  onBlur: (input: string) => void;
  disabled?: boolean;
}

function rangeHint(spec: NumberSpec): string | undefined {
  const parts: string[] = [];
  if (spec.minimum !== undefined && spec.maximum !== undefined) parts.push(`From ${spec.minimum} to ${spec.maximum}`);
  else if (spec.minimum !== undefined) parts.push(`At least ${spec.minimum}`);
  else if (spec.maximum !== undefined) parts.push(`At most ${spec.maximum}`);
  if (spec.default !== undefined) parts.push(parts.length > 0 ? `default ${spec.default}` : `Default ${spec.default}`);
  return parts.length > 0 ? `${parts.join(', ')}.` : undefined;
}

/** Text with `code` spans (the schemas' descriptions use them) rendered as code. */
export function WithCode({ text }: { text: string }) {
  return (
    <>
      {text.split('`').map((part, index) =>
        index % 2 === 1 ? (
          <Box component="code" key={index} sx={{ fontFamily: 'monospace', fontSize: '0.95em' }}>
            {part}
          </Box>
        ) : (
          part
        ),
      )}
    </>
  );
}

/** The helper text: the error when there is one, else the schema's description and the input's rules. */
function helper(error: string | undefined, ...hints: Array<string | undefined>): ReactNode {
  if (error) return error;
  const text = hints.filter(Boolean).join(' ');
  return text ? <WithCode text={text} /> : undefined;
}

const MONO = { fontFamily: 'monospace' } as const;

/** Singular for "Add rule", "Rule 2": the schema's names are plural nouns. */
function singular(label: string): string {
  return label.endsWith('s') && !label.endsWith('ss') ? label.slice(0, -1) : label;
}

function ObjectListField({ spec, value, onChange, prefix, errorFor, onBlur, disabled }: FieldProps<ObjectListSpec, DraftObject[]>) {
  const path = [...prefix, ...spec.path];
  const at = formatPath(path);
  const error = errorFor(at);
  const itemLabel = singular(spec.label);
  const full = spec.maxItems !== undefined && value.length >= spec.maxItems;
  const move = (from: number, to: number) => {
    const next = [...value];
    const [item] = next.splice(from, 1);
    next.splice(to, 0, item);
    onChange(next);
  };
  const legendId = inputId(CONFIG_ID_PREFIX, `${at}-legend`);

  return (
    <Box component="fieldset" aria-labelledby={legendId} sx={{ border: 0, m: 0, p: 0, minWidth: 0 }}>
      <Typography id={legendId} component="legend" variant="subtitle2" sx={{ fontWeight: 600, p: 0 }}>
        {spec.label}
        {spec.required && ' *'}
      </Typography>
      {spec.description && (
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          <WithCode text={spec.description} />
        </Typography>
      )}
      <Stack spacing={1.5}>
        {value.map((item, index) => (
          <Paper key={index} variant="outlined" sx={{ p: 2 }} role="group" aria-label={`${itemLabel} ${index + 1}`}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1.5, flexWrap: 'wrap' }}>
              <Typography variant="body2" sx={{ fontWeight: 600, flexGrow: 1 }}>
                {itemLabel} {index + 1}
              </Typography>
              <Button size="small" disabled={disabled || index === 0} onClick={() => move(index, index - 1)} aria-label={`Move ${itemLabel.toLowerCase()} ${index + 1} up`}>
                Up
              </Button>
              <Button
                size="small"
                disabled={disabled || index === value.length - 1}
                onClick={() => move(index, index + 1)}
                aria-label={`Move ${itemLabel.toLowerCase()} ${index + 1} down`}
              >
                Down
              </Button>
              <Button
                size="small"
                color="error"
                disabled={disabled}
                onClick={() => onChange(value.filter((_, i) => i !== index))}
                aria-label={`Remove ${itemLabel.toLowerCase()} ${index + 1}`}
              >
                Remove
              </Button>
            </Box>
            <ObjectFields
              spec={spec.item}
              value={item}
              onChange={(next) => onChange(value.map((old, i) => (i === index ? next : old)))}
              prefix={[...path, index]}
              errorFor={errorFor}
              onBlur={onBlur}
              disabled={disabled}
            />
            {errorFor(formatPath([...path, index])) && <FormHelperText error>{errorFor(formatPath([...path, index]))}</FormHelperText>}
          </Paper>
        ))}
        <Box>
          <Button
            id={inputId(CONFIG_ID_PREFIX, at)}
            variant="outlined"
            size="small"
            disabled={disabled || full}
            onClick={() => onChange([...value, emptyItem(spec)])}
            aria-describedby={error ? `${inputId(CONFIG_ID_PREFIX, at)}-error` : undefined}
          >
            Add {itemLabel.toLowerCase()}
          </Button>
          {value.length === 0 && !error && (
            <Typography component="span" variant="body2" color="text.secondary" sx={{ ml: 1.5 }}>
              None yet.
            </Typography>
          )}
          {error && (
            <FormHelperText id={`${inputId(CONFIG_ID_PREFIX, at)}-error`} error>
              {error}
            </FormHelperText>
          )}
        </Box>
      </Stack>
    </Box>
  );
}

function Field({ spec, value, onChange, prefix, errorFor, onBlur, disabled }: FieldProps<FieldSpec, DraftValue>) {
  const at = formatPath([...prefix, ...spec.path]);
  const id = inputId(CONFIG_ID_PREFIX, at);
  const error = errorFor(at);
  const text = typeof value === 'string' ? value : '';
  const common = {
    id,
    name: `config.${at}`,
    label: spec.label,
    required: spec.required,
    disabled,
    fullWidth: true,
    error: Boolean(error),
    onBlur: () => onBlur(at),
  };

  switch (spec.type) {
    case 'string':
      return (
        <TextField
          {...common}
          value={text}
          onChange={(event) => onChange(event.target.value)}
          placeholder={spec.default}
          helperText={helper(error, spec.description)}
          multiline={(spec.maxLength ?? 0) > 1024}
          slotProps={{ htmlInput: { spellCheck: false, maxLength: spec.maxLength, sx: MONO } }}
        />
      );
    case 'number':
      return (
        <TextField
          {...common}
          value={text}
          onChange={(event) => onChange(event.target.value)}
          placeholder={spec.default === undefined ? undefined : String(spec.default)}
          helperText={helper(error, spec.description, rangeHint(spec))}
          slotProps={{ htmlInput: { inputMode: spec.integer ? 'numeric' : 'decimal' } }}
          sx={{ maxWidth: 320 }}
        />
      );
    case 'boolean':
      return (
        <Box>
          <FormControlLabel
            control={
              <Switch
                id={id}
                name={common.name}
                checked={value === true}
                onChange={(event) => onChange(event.target.checked)}
                disabled={disabled}
                slotProps={{ input: { 'aria-describedby': `${id}-helper-text` } }}
              />
            }
            label={spec.label}
          />
          {helper(error, spec.description) && (
            <FormHelperText id={`${id}-helper-text`} error={Boolean(error)}>
              {helper(error, spec.description)}
            </FormHelperText>
          )}
        </Box>
      );
    case 'enum':
      return (
        <TextField
          {...common}
          select
          value={text}
          onChange={(event) => onChange(event.target.value)}
          helperText={helper(error, spec.description)}
        >
          {!spec.required && (
            <MenuItem value="">
              <em>Not set</em>
            </MenuItem>
          )}
          {spec.options.map((option) => (
            <MenuItem key={String(option)} value={String(option)}>
              {String(option)}
            </MenuItem>
          ))}
        </TextField>
      );
    case 'stringList':
      return (
        <TextField
          {...common}
          multiline
          minRows={3}
          value={text}
          onChange={(event) => onChange(event.target.value)}
          helperText={helper(error, spec.description, 'One per line.')}
          slotProps={{ htmlInput: { spellCheck: false, sx: MONO } }}
        />
      );
    case 'map':
      return (
        <TextField
          {...common}
          multiline
          minRows={2}
          value={text}
          onChange={(event) => onChange(event.target.value)}
          placeholder="Name: value"
          helperText={helper(error, spec.description, 'One per line, as Name: value.')}
          slotProps={{ htmlInput: { spellCheck: false, sx: MONO } }}
        />
      );
    case 'json':
      return (
        <TextField
          {...common}
          multiline
          minRows={3}
          value={text}
          onChange={(event) => onChange(event.target.value)}
          helperText={helper(error, spec.description, spec.note ?? 'JSON.')}
          slotProps={{ htmlInput: { spellCheck: false, sx: MONO } }}
        />
      );
    case 'object': {
      const draft = typeof value === 'object' && !Array.isArray(value) ? value : {};
      const legendId = `${id}-legend`;
      return (
        <Paper component="fieldset" variant="outlined" aria-labelledby={legendId} sx={{ p: 2, m: 0, minWidth: 0 }}>
          <Typography id={legendId} component="legend" variant="subtitle2" sx={{ fontWeight: 600, px: 0.5 }}>
            {spec.label}
          </Typography>
          {spec.description && (
            <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
              <WithCode text={spec.description} />
            </Typography>
          )}
          <ObjectFields spec={spec} value={draft} onChange={onChange} prefix={prefix} errorFor={errorFor} onBlur={onBlur} disabled={disabled} />
          {error && <FormHelperText error>{error}</FormHelperText>}
        </Paper>
      );
    }
    case 'objectList':
      return (
        <ObjectListField
          spec={spec}
          value={Array.isArray(value) ? value : []}
          onChange={onChange}
          prefix={prefix}
          errorFor={errorFor}
          onBlur={onBlur}
          disabled={disabled}
        />
      );
  }
}

function ObjectFields({ spec, value, onChange, prefix, errorFor, onBlur, disabled }: FieldProps<ObjectSpec, DraftObject>) {
  return (
    <Stack spacing={2}>
      {spec.fields.map((field) => {
        const key = fieldKey(field);
        return (
          <Field
            key={key}
            spec={field}
            value={value[key] ?? ''}
            onChange={(next) => onChange({ ...value, [key]: next })}
            prefix={prefix}
            errorFor={errorFor}
            onBlur={onBlur}
            disabled={disabled}
          />
        );
      })}
    </Stack>
  );
}

/** The inputs of a hook's config, drawn from its kind's JSON Schema. */
export function ConfigEditor({ spec, draft, onChange, errorFor, onBlur, disabled }: ConfigEditorProps) {
  if (spec.type === 'json') {
    return (
      <Field
        spec={spec}
        value={typeof draft === 'string' ? draft : ''}
        onChange={(next) => onChange(next as string)}
        prefix={[]}
        errorFor={errorFor}
        onBlur={onBlur}
        disabled={disabled}
      />
    );
  }
  return (
    <ObjectFields
      spec={spec}
      value={typeof draft === 'object' ? draft : {}}
      onChange={onChange}
      prefix={[]}
      errorFor={errorFor}
      onBlur={onBlur}
      disabled={disabled}
    />
  );
}
