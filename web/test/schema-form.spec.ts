import {
  configFromDraft,
  draftFromConfig,
  emptyItem,
  formatPath,
  fitsLines,
  formFromSchema,
  humanize,
  inputId,
  locateApiError,
  parsePath,
  splitLines,
  type DraftObject,
  type FieldSpec,
  type JsonSchema,
  type ObjectListSpec,
  type ObjectSpec,
  type StringListSpec,
} from '../src/lib/schema-form';

// Shaped like the schemas GET /api/hooks/kinds serves (libs/hooks/src/schemas.ts); the portal
// may not import the library, so the tests carry their own copies of the parts that matter.
const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const glob = { type: 'string', minLength: 1, maxLength: 1024 };

const FILTER: JsonSchema = {
  $schema: DRAFT,
  type: 'object',
  additionalProperties: false,
  properties: {
    include: { type: 'array', minItems: 1, maxItems: 1000, items: glob, description: 'When given, a file matching none of these globs is skipped.' },
    exclude: { type: 'array', minItems: 1, maxItems: 1000, items: glob },
    minSize: { type: 'integer', minimum: 0 },
    maxSize: { type: 'integer', minimum: 0 },
    redirect: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['match', 'to'],
        properties: { match: { ...glob, description: "Glob on the file's path." }, to: { type: 'string', minLength: 1, maxLength: 1024 } },
      },
    },
  },
};

const METADATA: JsonSchema = {
  $schema: DRAFT,
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    rules: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['source', 'pattern'],
        properties: { source: { enum: ['path', 'filename'] }, pattern: { type: 'string', minLength: 1, maxLength: 2048 } },
      },
    },
  },
};

const ACCESS: JsonSchema = {
  $schema: DRAFT,
  type: 'object',
  properties: {
    groups: { type: 'array', maxItems: 1000, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 255 } },
    groupsFromMetadata: { type: 'string', minLength: 1, maxLength: 255 },
  },
};

const WEBHOOK: JsonSchema = {
  $schema: DRAFT,
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048, description: 'http:// or https:// URL of the receiver.' },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 60000, default: 10000 },
    headers: {
      type: 'object',
      maxProperties: 50,
      propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
      additionalProperties: { type: 'string', maxLength: 4096 },
    },
  },
};

const COMMAND: JsonSchema = {
  $schema: DRAFT,
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    command: { type: 'array', minItems: 1, maxItems: 256, items: { type: 'string', maxLength: 4096 } },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
  },
};

function objectForm(schema: JsonSchema, config?: unknown): ObjectSpec {
  const form = formFromSchema(schema, config);
  if (form.type !== 'object') throw new Error('expected a fieldset');
  return form;
}

function field(form: ObjectSpec, key: string): FieldSpec {
  const found = form.fields.find((f) => f.path[f.path.length - 1] === key);
  if (!found) throw new Error(`no field ${key}`);
  return found;
}

/** The config and errors for a draft built from the empty form plus `values`. */
function submit(schema: JsonSchema, values: DraftObject) {
  const form = objectForm(schema);
  return configFromDraft(form, { ...(draftFromConfig(form, undefined) as DraftObject), ...values });
}

describe('formFromSchema', () => {
  it('makes one input per property of the filter schema, with its kind of input', () => {
    const form = objectForm(FILTER);
    expect(form.fields.map((f) => [formatPath(f.path), f.type, f.label])).toEqual([
      ['include', 'stringList', 'Include'],
      ['exclude', 'stringList', 'Exclude'],
      ['minSize', 'number', 'Min size'],
      ['maxSize', 'number', 'Max size'],
      ['redirect', 'objectList', 'Redirect'],
    ]);
    expect(field(form, 'include')).toMatchObject({ required: false, minItems: 1, item: { minLength: 1, maxLength: 1024 }, description: expect.stringContaining('skipped') });
    expect(field(form, 'minSize')).toMatchObject({ integer: true, minimum: 0 });
    const redirect = field(form, 'redirect') as ObjectListSpec;
    expect(redirect.item.fields.map((f) => [formatPath(f.path), f.type, f.required])).toEqual([
      ['match', 'string', true],
      ['to', 'string', true],
    ]);
  });

  it('turns an enum into a select and marks required properties', () => {
    const rules = field(objectForm(METADATA), 'rules') as ObjectListSpec;
    expect(rules.required).toBe(true);
    expect(rules.item.fields[0]).toMatchObject({ type: 'enum', options: ['path', 'filename'], required: true });
  });

  it('reads limits and defaults of numbers, and a string map with a name pattern', () => {
    const form = objectForm(WEBHOOK);
    expect(field(form, 'url')).toMatchObject({ type: 'string', required: true });
    expect(field(form, 'timeoutMs')).toMatchObject({ type: 'number', label: 'Timeout (ms)', minimum: 100, maximum: 60000, default: 10000, required: false });
    expect(field(form, 'headers')).toMatchObject({ type: 'map', maxProperties: 50, keyPattern: expect.any(String), value: { maxLength: 4096 } });
  });

  it('makes a fieldset of a nested object and falls back to JSON for shapes it cannot draw', () => {
    const form = objectForm({
      type: 'object',
      properties: {
        retry: { type: 'object', required: ['attempts'], properties: { attempts: { type: 'integer', minimum: 1 }, verbose: { type: 'boolean' } } },
        choice: { oneOf: [{ type: 'string' }, { type: 'number' }] },
        matrix: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
      },
    });
    const retry = field(form, 'retry') as ObjectSpec;
    expect(retry.type).toBe('object');
    expect(retry.fields.map((f) => [formatPath(f.path), f.type, f.required])).toEqual([
      ['retry.attempts', 'number', true],
      ['retry.verbose', 'boolean', false],
    ]);
    expect(field(form, 'choice').type).toBe('json');
    expect(field(form, 'matrix').type).toBe('json');
  });

  it('edits a schema without properties as one JSON value', () => {
    expect(formFromSchema({ type: 'object' }).type).toBe('json');
    expect(formFromSchema({}).type).toBe('json');
  });
});

describe('draftFromConfig and configFromDraft', () => {
  it.each([
    ['filter', FILTER, { include: ['**/*.raw', 'meta/*.json'], minSize: 1, redirect: [{ match: '**/*.tmp', to: 'tmp/{name}' }] }],
    ['metadata', METADATA, { rules: [{ source: 'path', pattern: '^(?<project>[^/]+)/' }, { source: 'filename', pattern: '(?<sample>S\\d+)' }] }],
    ['access', ACCESS, { groups: ['physics', 'chemistry'], groupsFromMetadata: 'project' }],
    ['webhook', WEBHOOK, { url: 'https://example.org/hook', timeoutMs: 5000, headers: { Authorization: 'Bearer abc: def', 'X-Team': 'imaging' } }],
    ['command', COMMAND, { command: ['/opt/hooks/check', '--strict'], timeoutMs: 1000 }],
  ])('gives back the same %s config it was given', (_kind, schema, config) => {
    const form = objectForm(schema);
    expect(configFromDraft(form, draftFromConfig(form, config))).toEqual({ config, errors: [] });
  });

  it('leaves out optional fields left empty instead of sending empty values', () => {
    expect(submit(FILTER, {})).toEqual({ config: {}, errors: [] });
    expect(submit(WEBHOOK, { url: 'https://example.org' })).toEqual({ config: { url: 'https://example.org' }, errors: [] });
  });

  it('reads one item per line, ignoring blank lines and a Windows line end', () => {
    expect(submit(FILTER, { include: '**/*.raw\r\n\n  \nmeta/*.json\n' }).config).toEqual({ include: ['**/*.raw', 'meta/*.json'] });
  });

  it('keeps an empty argument inside a command but not trailing blank lines', () => {
    expect(submit(COMMAND, { command: 'prog\n\n--flag\n\n' }).config).toEqual({ command: ['prog', '', '--flag'] });
    expect(splitLines('a\n\nb\n', true)).toEqual(['a', '', 'b']);
    expect(splitLines('a\n\nb\n', false)).toEqual(['a', 'b']);
  });

  it('names a missing required field', () => {
    expect(submit(WEBHOOK, {}).errors).toEqual([{ input: 'url', message: 'Required' }]);
    expect(submit(COMMAND, { command: '\n\n' }).errors).toEqual([{ input: 'command', message: 'Required' }]);
    expect(submit(METADATA, {}).errors).toEqual([{ input: 'rules', message: 'Required' }]);
  });

  it.each([
    ['50', 'Must be at least 100'],
    ['60001', 'Must be at most 60000'],
    ['1.5', 'Must be a whole number'],
    ['10s', 'Must be a whole number'],
  ])('refuses the timeout %j: %s', (timeoutMs, message) => {
    expect(submit(WEBHOOK, { url: 'https://example.org', timeoutMs }).errors).toEqual([{ input: 'timeoutMs', message }]);
  });

  it('accepts a number at its limits and with spaces around it', () => {
    expect(submit(WEBHOOK, { url: 'u', timeoutMs: ' 100 ' }).config).toEqual({ url: 'u', timeoutMs: 100 });
    expect(submit(WEBHOOK, { url: 'u', timeoutMs: '60000' }).errors).toEqual([]);
  });

  it('checks each rule of a list of fieldsets at its own path', () => {
    const form = objectForm(METADATA);
    const rules = field(form, 'rules') as ObjectListSpec;
    const result = configFromDraft(form, { rules: [{ source: 'path', pattern: '^(?<a>x)' }, emptyItem(rules), { source: 'name', pattern: 'y' }] });
    expect(result.errors).toEqual([
      { input: 'rules[1].source', message: 'Required' },
      { input: 'rules[1].pattern', message: 'Required' },
      { input: 'rules[2].source', message: 'Must be one of path, filename' },
    ]);
  });

  it('finds repeated names, invalid header names and lines that are not Name: value', () => {
    expect(submit(ACCESS, { groups: 'physics\nchemistry\nphysics' }).errors).toEqual([{ input: 'groups', message: 'Line 3 repeats line 1' }]);
    expect(submit(WEBHOOK, { url: 'u', headers: 'X-Ok: 1\nBad Name: 2\nno colon here\nX-Ok: 3' }).errors).toEqual([
      { input: 'headers', message: 'Line 2: Bad Name is not a valid name' },
      { input: 'headers', message: 'Line 3 must be written as Name: value' },
      { input: 'headers', message: 'Line 4 repeats X-Ok' },
    ]);
  });

  it('checks a line of a list against the item rules', () => {
    const long = 'x'.repeat(1025);
    expect(submit(FILTER, { exclude: `*.tmp\n${long}` }).errors).toEqual([{ input: 'exclude', message: 'Line 2 must be at most 1024 characters' }]);
  });

  it('leaves out an optional fieldset left empty, and checks it once something is filled in', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        retry: {
          type: 'object',
          required: ['attempts'],
          properties: { attempts: { type: 'integer', minimum: 1 }, note: { type: 'string' }, backoff: { type: 'boolean', default: true } },
        },
      },
    };
    expect(submit(schema, {})).toEqual({ config: {}, errors: [] });
    expect(submit(schema, { retry: { attempts: ' ', note: '', backoff: true } })).toEqual({ config: {}, errors: [] });
    expect(submit(schema, { retry: { attempts: '0', note: '' } }).errors).toEqual([{ input: 'retry.attempts', message: 'Must be at least 1' }]);
    expect(submit(schema, { retry: { attempts: '', note: 'why' } }).errors).toEqual([{ input: 'retry.attempts', message: 'Required' }]);
    expect(submit(schema, { retry: { attempts: '3', note: '', backoff: true } }).config).toEqual({ retry: { attempts: 3 } });
    expect(submit(schema, { retry: { attempts: '', note: '', backoff: false } }).errors).toEqual([{ input: 'retry.attempts', message: 'Required' }]);
  });

  it('sends a switch only when it differs from its default', () => {
    const schema: JsonSchema = { type: 'object', properties: { dryRun: { type: 'boolean' }, verify: { type: 'boolean', default: true } } };
    expect(submit(schema, {}).config).toEqual({});
    expect(submit(schema, { dryRun: true, verify: false }).config).toEqual({ dryRun: true, verify: false });
  });

  it('parses a JSON field and reports invalid JSON', () => {
    const schema: JsonSchema = { type: 'object', properties: { extra: { oneOf: [{ type: 'object' }, { type: 'array' }] } } };
    expect(submit(schema, { extra: '{"a": [1, 2]}' }).config).toEqual({ extra: { a: [1, 2] } });
    const { errors } = submit(schema, { extra: '{a: 1}' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ input: 'extra', message: expect.stringMatching(/^Is not valid JSON/) });
  });
});

describe('a stored config the form shows as it is', () => {
  /** What saving the form unchanged sends for a stored config: its draft read back, as the hook form does. */
  const saved = (schema: JsonSchema, config: unknown) => {
    const form = objectForm(schema, config);
    return configFromDraft(form, draftFromConfig(form, config));
  };

  it.each([
    ['an argument with a line break (sh -c with a script)', ['/bin/sh', '-c', 'set -e\n/opt/check "$@"', 'hook']],
    ['a trailing empty argument', ['/opt/hooks/check', '--label', '']],
    ['an empty argument in the middle', ['/opt/hooks/check', '', '--strict']],
    ['a Windows line end in an argument', ['/opt/hooks/check', 'a\r\nb']],
    ['an argument that ends in a carriage return', ['/opt/hooks/check', 'x\r']],
  ])("keeps a command's argv exactly: %s", (_case, command) => {
    const config = { command, timeoutMs: 1000 };
    expect(saved(COMMAND, config)).toEqual({ config, errors: [] });
    expect(field(objectForm(COMMAND, config), 'command')).toMatchObject({ type: 'json', note: expect.stringMatching(/^Edited as JSON/) });
  });

  it('keeps one item per line for a list that reads back the same, and for a new hook', () => {
    expect(field(objectForm(COMMAND, { command: ['/opt/hooks/check', '--strict'] }), 'command').type).toBe('stringList');
    expect(field(objectForm(COMMAND), 'command').type).toBe('stringList');
    expect(field(objectForm(FILTER, { include: ['**/*.raw'] }), 'include').type).toBe('stringList');
  });

  it('keeps globs of spaces, which lines would drop where items may not be empty', () => {
    const config = { include: ['**/*.raw', '   '] };
    expect(saved(FILTER, config)).toEqual({ config, errors: [] });
    expect(field(objectForm(FILTER, config), 'exclude').type).toBe('stringList');
  });

  it('edits such a list as JSON in every item of a list of fieldsets when one item needs it', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        steps: {
          type: 'array',
          items: { type: 'object', required: ['argv'], properties: { argv: { type: 'array', items: { type: 'string' } }, env: { type: 'array', items: { type: 'string' } } } },
        },
      },
    };
    const config = { steps: [{ argv: ['/bin/true'] }, { argv: ['/bin/sh', '-c', 'a\nb'], env: ['X=1'] }] };
    expect(saved(schema, config)).toEqual({ config, errors: [] });
    const steps = field(objectForm(schema, config), 'steps') as ObjectListSpec;
    expect(steps.item.fields.map((f) => [formatPath(f.path), f.type])).toEqual([
      ['argv', 'json'],
      ['env', 'stringList'],
    ]);
  });

  it('says which lists lines give back', () => {
    const list = field(objectForm(COMMAND), 'command') as StringListSpec;
    expect(fitsLines(list, ['a', 'b'])).toBe(true);
    expect(fitsLines(list, ['a', ''])).toBe(false);
    expect(fitsLines(list, ['a\nb'])).toBe(false);
    expect(fitsLines(list, [1, 2])).toBe(false);
  });
});

describe('locateApiError', () => {
  const filter = objectForm(FILTER);
  const webhook = objectForm(WEBHOOK);

  it('puts an error on the input it names, with the line for list items', () => {
    expect(locateApiError(filter, 'config.redirect[0].to', 'config.redirect[0].to must stay relative')).toEqual({
      input: 'redirect[0].to',
      message: 'config.redirect[0].to must stay relative',
    });
    expect(locateApiError(filter, 'config.include[2]', 'config.include[2] invalid glob')).toEqual({ input: 'include', message: 'Line 3: config.include[2] invalid glob' });
    expect(locateApiError(webhook, 'config.headers["X-Sheaf-Signature"]', 'is set by Sheaf')).toEqual({ input: 'headers', message: 'is set by Sheaf' });
    expect(locateApiError(webhook, 'config.url', 'config.url must be an http:// or https:// URL')?.input).toBe('url');
  });

  it('leaves errors about the whole config, unknown properties and other fields to the form', () => {
    expect(locateApiError(filter, 'config', 'config grants nothing')).toBeUndefined();
    expect(locateApiError(filter, 'config.colour', 'config.colour unknown property')).toBeUndefined();
    expect(locateApiError(filter, 'name', 'name must not be empty')).toBeUndefined();
  });
});

describe('paths', () => {
  it.each([
    [['rules', 0, 'pattern'], 'rules[0].pattern'],
    [['headers', 'X-Key'], 'headers["X-Key"]'],
    [['include', 12], 'include[12]'],
  ])('writes %j as %s and reads it back', (segments, text) => {
    expect(formatPath(segments)).toBe(text);
    expect(parsePath(text)).toEqual(segments);
  });

  it('makes DOM ids without brackets or dots', () => {
    expect(inputId('config', 'rules[0].pattern')).toBe('config-rules-0-pattern');
  });

  it('humanizes property names', () => {
    expect(humanize('groupsFromMetadata')).toBe('Groups from metadata');
    expect(humanize('timeoutMs')).toBe('Timeout (ms)');
    expect(humanize('url')).toBe('URL');
    expect(humanize('callbackUrl')).toBe('Callback URL');
  });
});
