/**
 * A form from a JSON Schema (draft 2020-12), for the hook config editor: the fields a kind's
 * schema describes, the form's draft values for a config and back, and the schema's own checks
 * for immediate feedback (the API validates again and names the field it refuses).
 *
 * Each property becomes one input: strings and numbers a text field, booleans a switch, enums a
 * select, arrays of strings one item per line, objects with properties a fieldset, arrays of
 * objects a list of fieldsets, string maps (`additionalProperties: {type: string}`) "Name: value"
 * lines, and anything else raw JSON. Field paths are written as the API writes them
 * (`rules[0].pattern`, `headers["X-Key"]`).
 *
 * Pure: no React, no DOM.
 */

export type JsonSchema = Readonly<Record<string, unknown>>;
export type PathSegment = string | number;

interface BaseSpec {
  /** Where the value lives in the config. */
  path: readonly PathSegment[];
  label: string;
  description?: string;
  required: boolean;
}

export interface StringSpec extends BaseSpec {
  type: 'string';
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: string;
}

export interface NumberSpec extends BaseSpec {
  type: 'number';
  integer: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: number;
}

export interface BooleanSpec extends BaseSpec {
  type: 'boolean';
  default?: boolean;
}

export interface EnumSpec extends BaseSpec {
  type: 'enum';
  options: readonly (string | number | boolean)[];
  default?: string | number | boolean;
}

interface StringRules {
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

export interface StringListSpec extends BaseSpec {
  type: 'stringList';
  minItems?: number;
  maxItems?: number;
  uniqueItems: boolean;
  item: StringRules;
}

export interface ObjectSpec extends BaseSpec {
  type: 'object';
  fields: readonly FieldSpec[];
}

export interface ObjectListSpec extends BaseSpec {
  type: 'objectList';
  minItems?: number;
  maxItems?: number;
  /** One item's fields, with paths relative to the item. */
  item: ObjectSpec;
}

export interface MapSpec extends BaseSpec {
  type: 'map';
  maxProperties?: number;
  keyPattern?: string;
  value: StringRules;
}

export interface JsonSpec extends BaseSpec {
  type: 'json';
  /** Why a field the schema draws otherwise is edited as JSON here (formFromSchema with a config). */
  note?: string;
}

export type FieldSpec = StringSpec | NumberSpec | BooleanSpec | EnumSpec | StringListSpec | ObjectSpec | ObjectListSpec | MapSpec | JsonSpec;

/** What the inputs hold: text for text inputs, booleans for switches, nested drafts for fieldsets. */
export type DraftValue = string | boolean | DraftObject | DraftObject[];
export interface DraftObject {
  [key: string]: DraftValue;
}

export interface FieldError {
  /** The input that shows it (`rules[0].pattern`, or `include` for its third line). */
  input: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Paths

/** `['rules', 0, 'pattern']` as `rules[0].pattern`, `['headers', 'X-Key']` as `headers["X-Key"]` (the API's way). */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The inverse of formatPath. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const pattern = /([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\./gy;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < path.length && (match = pattern.exec(path)) !== null) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(JSON.parse(match[3]) as string);
  }
  return segments;
}

/** A DOM id for an input at a path. */
export function inputId(prefix: string, path: string): string {
  return `${prefix}-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '')}`;
}

// ---------------------------------------------------------------------------------------------
// Schema to fields

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

const ACRONYMS = new Set(['url', 'uri', 'id', 'http', 'json', 'ark']);

/** `groupsFromMetadata` → "Groups from metadata", `timeoutMs` → "Timeout (ms)", `url` → "URL". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase()
    .split(/\s+/);
  if (words.length > 1 && words[words.length - 1] === 'ms') words.splice(-1, 1, '(ms)');
  const text = words.map((word) => (ACRONYMS.has(word) ? word.toUpperCase() : word)).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function schemaType(schema: Record<string, unknown>): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  // `["string", "null"]`: the form has no null, so take the first real type.
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === 'string' && t !== 'null');
  return undefined;
}

function stringRules(schema: unknown): StringRules {
  if (!isRecord(schema)) return {};
  return { minLength: num(schema.minLength), maxLength: num(schema.maxLength), pattern: str(schema.pattern) };
}

function fieldSpec(schema: unknown, path: readonly PathSegment[], key: string, required: boolean): FieldSpec {
  const s = isRecord(schema) ? schema : {};
  const base: BaseSpec = { path, label: str(s.title) ?? humanize(key), description: str(s.description), required };
  if (Array.isArray(s.enum)) {
    const options = s.enum.filter((o): o is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof o));
    if (options.length === s.enum.length) return { ...base, type: 'enum', options, default: options.find((o) => o === s.default) };
  }
  switch (schemaType(s)) {
    case 'string':
      return { ...base, type: 'string', ...stringRules(s), default: str(s.default) };
    case 'integer':
    case 'number':
      return {
        ...base,
        type: 'number',
        integer: schemaType(s) === 'integer',
        minimum: num(s.minimum),
        maximum: num(s.maximum),
        exclusiveMinimum: num(s.exclusiveMinimum),
        exclusiveMaximum: num(s.exclusiveMaximum),
        default: num(s.default),
      };
    case 'boolean':
      return { ...base, type: 'boolean', default: typeof s.default === 'boolean' ? s.default : undefined };
    case 'array': {
      const items = isRecord(s.items) ? s.items : {};
      const counts = { minItems: num(s.minItems), maxItems: num(s.maxItems) };
      if (schemaType(items) === 'string' && !Array.isArray(items.enum)) {
        return { ...base, type: 'stringList', ...counts, uniqueItems: s.uniqueItems === true, item: stringRules(items) };
      }
      if (schemaType(items) === 'object' && isRecord(items.properties)) {
        return { ...base, type: 'objectList', ...counts, item: objectSpec(items, [], key, true) };
      }
      return { ...base, type: 'json' };
    }
    case 'object':
      if (isRecord(s.properties)) return objectSpec(s, path, key, required);
      if (isRecord(s.additionalProperties) && schemaType(s.additionalProperties) === 'string') {
        const names = isRecord(s.propertyNames) ? str(s.propertyNames.pattern) : undefined;
        return { ...base, type: 'map', maxProperties: num(s.maxProperties), keyPattern: names, value: stringRules(s.additionalProperties) };
      }
      return { ...base, type: 'json' };
    default:
      return { ...base, type: 'json' };
  }
}

function objectSpec(schema: Record<string, unknown>, path: readonly PathSegment[], key: string, required: boolean): ObjectSpec {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const requiredKeys = Array.isArray(schema.required) ? schema.required : [];
  return {
    path,
    label: str(schema.title) ?? humanize(key),
    description: str(schema.description),
    required,
    type: 'object',
    fields: Object.entries(properties).map(([name, property]) => fieldSpec(property, [...path, name], name, requiredKeys.includes(name))),
  };
}

/**
 * The form of a config schema: a fieldset of its properties, or one JSON field when it has none.
 * Given the stored `config`, a list of strings whose items one item per line cannot give back as
 * they are (an item with a line break, an empty item, one of spaces where items may not be empty,
 * an item that is not a string) is a JSON field instead, so saving the form keeps it exactly: a
 * command's argv `["/bin/sh", "-c", "set -e\n/opt/check", "hook"]` read back from lines was five
 * arguments, and `sh -c "set -e"` accepts every file.
 */
export function formFromSchema(schema: JsonSchema, config?: unknown): ObjectSpec | JsonSpec {
  if (schemaType(schema) === 'object' && isRecord(schema.properties)) {
    const form = objectSpec(schema, [], '', true);
    return config === undefined ? form : fitObject(form, [config]);
  }
  return { path: [], label: str(schema.title) ?? 'Config', description: str(schema.description), required: true, type: 'json' };
}

/** Why a list of strings is edited as JSON. */
export const LIST_AS_JSON_NOTE = 'Edited as JSON: an item holds a line break or is empty, which one item per line cannot show.';

/** Whether these items come back the same from the one-item-per-line text the form shows. */
export function fitsLines(spec: StringListSpec, items: readonly unknown[]): boolean {
  if (!items.every((item) => typeof item === 'string' && item !== '' && !/[\r\n]/.test(item))) return false;
  const back = splitLines(items.join('\n'), !spec.item.minLength);
  return back.length === items.length && back.every((item, index) => item === items[index]);
}

/** A fieldset's fields fitted to the values it holds: one value per enclosing list item. */
function fitObject(spec: ObjectSpec, values: readonly unknown[]): ObjectSpec {
  const records = values.filter(isRecord);
  return { ...spec, fields: spec.fields.map((field) => fitField(field, records.map((record) => record[lastKey(field)]))) };
}

function fitField(spec: FieldSpec, values: readonly unknown[]): FieldSpec {
  switch (spec.type) {
    case 'stringList': {
      const present = values.filter((value) => value !== undefined);
      if (present.every((value) => Array.isArray(value) && fitsLines(spec, value))) return spec;
      const { path, label, description, required } = spec;
      return { path, label, description, required, type: 'json', note: LIST_AS_JSON_NOTE };
    }
    case 'object':
      return fitObject(spec, values);
    case 'objectList':
      return { ...spec, item: fitObject(spec.item, values.flatMap((value) => (Array.isArray(value) ? value : []))) };
    default:
      return spec;
  }
}

// ---------------------------------------------------------------------------------------------
// Config to draft

/** The property a field edits within its object's draft. */
export const fieldKey = (spec: FieldSpec) => String(spec.path[spec.path.length - 1]);
const lastKey = fieldKey;

function draftOf(spec: FieldSpec, value: unknown): DraftValue {
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' ? value : '';
    case 'number':
      return typeof value === 'number' ? String(value) : '';
    case 'boolean':
      return typeof value === 'boolean' ? value : (spec.default ?? false);
    case 'enum':
      return value === undefined ? '' : String(value);
    case 'stringList':
      return Array.isArray(value) ? value.map(String).join('\n') : '';
    case 'object':
      return objectDraft(spec, value);
    case 'objectList':
      return Array.isArray(value) ? value.map((item) => objectDraft(spec.item, item)) : [];
    case 'map':
      return isRecord(value)
        ? Object.entries(value)
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join('\n')
        : '';
    case 'json':
      return value === undefined ? '' : JSON.stringify(value, null, 2);
  }
}

function objectDraft(spec: ObjectSpec, value: unknown): DraftObject {
  const source = isRecord(value) ? value : {};
  return Object.fromEntries(spec.fields.map((field) => [lastKey(field), draftOf(field, source[lastKey(field)])]));
}

/** The form's values for a stored config (or an empty form for `undefined`). */
export function draftFromConfig(spec: ObjectSpec | JsonSpec, config: unknown): DraftObject | string {
  return spec.type === 'json' ? (draftOf(spec, config) as string) : objectDraft(spec, config);
}

/** A new item of a list of fieldsets. */
export function emptyItem(spec: ObjectListSpec): DraftObject {
  return objectDraft(spec.item, undefined);
}

// ---------------------------------------------------------------------------------------------
// Draft to config, with the schema's checks

const length = (text: string) => [...text].length;

function patternMatches(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    return true; // A pattern this browser cannot compile is left to the API.
  }
}

function stringProblem(text: string, rules: StringRules): string | undefined {
  if (rules.minLength !== undefined && length(text) < rules.minLength) return rules.minLength === 1 ? 'must not be empty' : `must be at least ${rules.minLength} characters`;
  if (rules.maxLength !== undefined && length(text) > rules.maxLength) return `must be at most ${rules.maxLength} characters`;
  if (rules.pattern !== undefined && !patternMatches(rules.pattern, text)) return `must match ${rules.pattern}`;
  return undefined;
}

/** Lines of a one-item-per-line input; blank lines are dropped unless an item may be empty (then only trailing ones). */
export function splitLines(text: string, allowEmpty: boolean): string[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (!allowEmpty) return lines.filter((line) => line.trim() !== '');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Nothing typed in: empty text, switches at their default, no list items. */
function isBlank(spec: FieldSpec, draft: DraftValue | undefined): boolean {
  if (draft === undefined) return true;
  if (typeof draft === 'string') return draft.trim() === '';
  if (typeof draft === 'boolean') return spec.type === 'boolean' && draft === (spec.default ?? false);
  if (Array.isArray(draft)) return draft.length === 0;
  return spec.type === 'object' && spec.fields.every((field) => isBlank(field, draft[lastKey(field)]));
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

type Result = { value?: unknown; errors: FieldError[] };
const REQUIRED = 'required';
const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function convert(spec: FieldSpec, draft: DraftValue | undefined, prefix: readonly PathSegment[]): Result {
  const path = [...prefix, ...spec.path];
  const at = formatPath(path);
  const fail = (message: string): Result => ({ errors: [{ input: at, message: sentence(message) }] });

  switch (spec.type) {
    case 'string': {
      const text = typeof draft === 'string' ? draft : '';
      if (text === '') return spec.required ? fail(REQUIRED) : { errors: [] };
      const problem = stringProblem(text, spec);
      return problem ? fail(problem) : { value: text, errors: [] };
    }
    case 'number': {
      const text = typeof draft === 'string' ? draft.trim() : '';
      if (text === '') return spec.required ? fail(REQUIRED) : { errors: [] };
      if (!NUMBER.test(text)) return fail(spec.integer ? 'must be a whole number' : 'must be a number');
      const value = Number(text);
      if (spec.integer && !Number.isInteger(value)) return fail('must be a whole number');
      if (spec.minimum !== undefined && value < spec.minimum) return fail(`must be at least ${spec.minimum}`);
      if (spec.maximum !== undefined && value > spec.maximum) return fail(`must be at most ${spec.maximum}`);
      if (spec.exclusiveMinimum !== undefined && value <= spec.exclusiveMinimum) return fail(`must be more than ${spec.exclusiveMinimum}`);
      if (spec.exclusiveMaximum !== undefined && value >= spec.exclusiveMaximum) return fail(`must be less than ${spec.exclusiveMaximum}`);
      return { value, errors: [] };
    }
    case 'boolean': {
      const value = draft === true;
      // An optional switch left at its default says nothing the API does not assume.
      if (!spec.required && value === (spec.default ?? false)) return { errors: [] };
      return { value, errors: [] };
    }
    case 'enum': {
      const text = typeof draft === 'string' ? draft : '';
      if (text === '') return spec.required ? fail(REQUIRED) : { errors: [] };
      const option = spec.options.find((o) => String(o) === text);
      return option === undefined ? fail(`must be one of ${spec.options.join(', ')}`) : { value: option, errors: [] };
    }
    case 'stringList': {
      const items = splitLines(typeof draft === 'string' ? draft : '', !spec.item.minLength);
      if (items.length === 0) return spec.required ? fail(REQUIRED) : { errors: [] };
      const errors: FieldError[] = [];
      if (spec.minItems !== undefined && items.length < spec.minItems) errors.push({ input: at, message: `Needs at least ${spec.minItems} ${spec.minItems === 1 ? 'line' : 'lines'}` });
      if (spec.maxItems !== undefined && items.length > spec.maxItems) errors.push({ input: at, message: `Must have at most ${spec.maxItems} lines` });
      items.forEach((item, index) => {
        const problem = stringProblem(item, spec.item);
        if (problem) errors.push({ input: at, message: `Line ${index + 1} ${problem}` });
        const first = items.indexOf(item);
        if (spec.uniqueItems && first < index) errors.push({ input: at, message: `Line ${index + 1} repeats line ${first + 1}` });
      });
      return { value: items, errors };
    }
    case 'map': {
      const lines = splitLines(typeof draft === 'string' ? draft : '', false);
      if (lines.length === 0) return spec.required ? fail(REQUIRED) : { errors: [] };
      const errors: FieldError[] = [];
      const value: Record<string, string> = {};
      lines.forEach((line, index) => {
        const colon = line.indexOf(':');
        const name = line.slice(0, Math.max(colon, 0)).trim();
        if (colon < 0 || name === '') {
          errors.push({ input: at, message: `Line ${index + 1} must be written as Name: value` });
          return;
        }
        if (Object.hasOwn(value, name)) errors.push({ input: at, message: `Line ${index + 1} repeats ${name}` });
        if (spec.keyPattern !== undefined && !patternMatches(spec.keyPattern, name)) errors.push({ input: at, message: `Line ${index + 1}: ${name} is not a valid name` });
        const text = line.slice(colon + 1).trim();
        const problem = stringProblem(text, spec.value);
        if (problem) errors.push({ input: at, message: `Line ${index + 1}: the value ${problem}` });
        value[name] = text;
      });
      if (spec.maxProperties !== undefined && Object.keys(value).length > spec.maxProperties) errors.push({ input: at, message: `Must have at most ${spec.maxProperties} lines` });
      return { value, errors };
    }
    case 'json': {
      const text = typeof draft === 'string' ? draft.trim() : '';
      if (text === '') return spec.required ? fail(REQUIRED) : { errors: [] };
      try {
        return { value: JSON.parse(text) as unknown, errors: [] };
      } catch (err) {
        return fail(`is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    case 'object': {
      const source = draft !== undefined && typeof draft === 'object' && !Array.isArray(draft) ? draft : {};
      // An optional fieldset left empty is left out, not sent as {} (its own required fields do not apply).
      if (!spec.required && spec.path.length > 0 && isBlank(spec, source)) return { errors: [] };
      const value: Record<string, unknown> = {};
      const errors: FieldError[] = [];
      for (const field of spec.fields) {
        const result = convert(field, source[lastKey(field)], prefix);
        errors.push(...result.errors);
        if (result.value !== undefined) value[lastKey(field)] = result.value;
      }
      return { value, errors };
    }
    case 'objectList': {
      const items = Array.isArray(draft) ? draft : [];
      if (items.length === 0) return spec.required ? fail(REQUIRED) : { errors: [] };
      const errors: FieldError[] = [];
      if (spec.minItems !== undefined && items.length < spec.minItems) errors.push({ input: at, message: `Needs at least ${spec.minItems}` });
      if (spec.maxItems !== undefined && items.length > spec.maxItems) errors.push({ input: at, message: `Must have at most ${spec.maxItems}` });
      const value = items.map((item, index) => {
        const result = convert(spec.item, item, [...path, index]);
        errors.push(...result.errors);
        return result.value ?? {};
      });
      return { value, errors };
    }
  }
}

/** The config the form describes, and every problem the schema finds, in form order. */
export function configFromDraft(spec: ObjectSpec | JsonSpec, draft: DraftObject | string): { config: unknown; errors: FieldError[] } {
  const result = convert(spec, draft, []);
  return { config: result.value ?? {}, errors: result.errors };
}

// ---------------------------------------------------------------------------------------------
// The API's errors

function inputFor(spec: FieldSpec, segments: readonly PathSegment[], prefix: readonly PathSegment[]): { input: string; line?: number } | undefined {
  const own = [...prefix, ...spec.path];
  if (own.length > segments.length || own.some((s, i) => s !== segments[i])) return undefined;
  const rest = segments.slice(own.length);
  switch (spec.type) {
    case 'object':
      for (const field of spec.fields) {
        const found = inputFor(field, segments, prefix);
        if (found) return found;
      }
      return { input: formatPath(own) };
    case 'objectList':
      if (typeof rest[0] === 'number') {
        const found = inputFor(spec.item, segments, [...own, rest[0]]);
        if (found) return found;
      }
      return { input: formatPath(own) };
    case 'stringList':
      return { input: formatPath(own), line: typeof rest[0] === 'number' ? rest[0] + 1 : undefined };
    default:
      return { input: formatPath(own) };
  }
}

/**
 * Where the form shows an API error about `field` (`config.rules[0].pattern`, `config.include[2]`):
 * the input and a message that says which line when the input holds a list. `undefined` for
 * errors about the config as a whole, which the form shows above its fields.
 */
export function locateApiError(spec: ObjectSpec | JsonSpec, field: string, message: string): FieldError | undefined {
  if (field !== 'config' && !field.startsWith('config.') && !field.startsWith('config[')) return undefined;
  const segments = parsePath(field.slice('config'.length).replace(/^\./, ''));
  if (segments.length === 0) return undefined;
  const found = inputFor(spec, segments, []);
  if (!found || found.input === '') return undefined;
  return { input: found.input, message: found.line === undefined ? message : `Line ${found.line}: ${message}` };
}
