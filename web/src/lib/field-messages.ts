import type { ApiError } from '@sheaf/contracts';

/**
 * The API's message for a field, worded with the form's label: "config.path must be an absolute
 * path" beside the "Path" field reads "Path must be an absolute path". The API names the field by
 * its full path (`config.path`) or by its last part (`pathTemplate`).
 */
export function messageForLabel(message: string, field: string, label: string): string {
  const last = field.split('.').at(-1) ?? field;
  for (const prefix of [field, last]) {
    if (message.startsWith(`${prefix} `)) return `${label}${message.slice(prefix.length)}`;
  }
  return message;
}

/**
 * The error's message when it is about `field` (the API's field name), worded with the field's
 * label when one is given; undefined when there is no error or it is about something else.
 */
export function fieldMessage(error: ApiError | null, field: string, label?: string): string | undefined {
  if (error?.field !== field) return undefined;
  return label === undefined ? error.message : messageForLabel(error.message, field, label);
}

export interface FieldErrorProps {
  /** The API's field name, so the error can find its input. */
  name: string;
  error: boolean;
  helperText?: string;
}

/**
 * Props for a TextField that shows the API's error for its field, worded with its label. Spread
 * after the field's own `helperText`: that hint stays while the field has no error.
 */
export function fieldErrorProps(error: ApiError | null, field: string, label: string): FieldErrorProps {
  const message = fieldMessage(error, field, label);
  return { name: field, error: Boolean(message), ...(message ? { helperText: message } : {}) };
}
