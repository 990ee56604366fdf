/**
 * Type-specific config objects (storage locations, instrument sources) edited as text fields:
 * one table of fields per type, and the conversions between the stored object and the form.
 */
export interface ConfigField {
  /** The key in the config object (and, as `config.<key>`, the API's field name in errors). */
  key: string;
  label: string;
  helper: string;
  optional?: boolean;
  /** Sent as a number when it is one (the API names the problem otherwise). */
  numeric?: boolean;
}

/** A stored config as the form's text values. */
export function configToValues(config: Record<string, unknown> | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    if (value !== undefined && value !== null) values[key] = String(value);
  }
  return values;
}

/** The config object of the form's values: only the type's fields, optional ones left out when empty. */
export function valuesToConfig(fields: readonly ConfigField[], values: Record<string, string>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = values[field.key]?.trim() ?? '';
    if (raw === '' && field.optional) continue;
    config[field.key] = field.numeric && /^\d+$/.test(raw) ? Number(raw) : raw;
  }
  return config;
}

/** "not used by any instrument", "used by 1 instrument", "used by 3 instruments". */
export function instrumentUsage(count: number): string {
  return count === 0 ? 'not used by any instrument' : `used by ${instrumentCount(count)}`;
}

/** A list's "In use" cell: "Not used", "1 instrument", "3 instruments". */
export function instrumentCountLabel(count: number): string {
  return count === 0 ? 'Not used' : instrumentCount(count);
}

function instrumentCount(count: number): string {
  return `${count} instrument${count === 1 ? '' : 's'}`;
}
