import { STORAGE_TYPES, SOURCE_TYPES, validateSourceConfig, validateStorageConfig, type SourceType, type StorageType } from '@sheaf/contracts';

import { buildSourceConfig, describeSource, formatQuietPeriod, parseSeconds, SOURCE_FIELDS, sourceValues } from '../src/app/(admin)/instruments/source-types';
import { buildStorageConfig, CONFIG_FIELDS, configValues, describeStorage } from '../src/app/(admin)/storage/storage-types';
import { configToValues, instrumentCountLabel, instrumentUsage, valuesToConfig } from '../src/components/config-fields';
import { fieldErrorProps, fieldMessage, messageForLabel } from '../src/lib/field-messages';

/** A valid value for every field a form offers (what a person would type). */
const TYPED: Record<string, string> = {
  path: '/srv/archive',
  bucket: 'sheaf-archive',
  prefix: 'raw/2025',
  endpoint: 'https://minio.example.org:9000',
  region: 'eu-west-1',
  provider: 'Minio',
  accessKeyId: 'AKIDEXAMPLE',
  host: 'nas.example.org',
  port: '1445',
  share: 'data',
  user: 'svc-writer',
  domain: 'LAB',
  remote: ':sftp,host=example.org:data',
};

describe('storage location form', () => {
  it.each(STORAGE_TYPES)('offers exactly the fields the API accepts for %s storage', (type: StorageType) => {
    const filled = buildStorageConfig(type, TYPED);
    expect(validateStorageConfig(type, filled)).toEqual([]);
    const requiredOnly = buildStorageConfig(type, Object.fromEntries(CONFIG_FIELDS[type].filter((f) => !f.optional).map((f) => [f.key, TYPED[f.key]])));
    expect(validateStorageConfig(type, requiredOnly)).toEqual([]);
  });

  it('sends a typed port as a number, leaves empty optional fields out and trims the rest', () => {
    expect(buildStorageConfig('smb', { host: ' nas ', port: '445', share: 'data', path: '', user: 'svc', domain: '  ' })).toEqual({
      host: 'nas',
      port: 445,
      share: 'data',
      user: 'svc',
    });
  });

  it('sends what is not a number as typed, so the API names the problem', () => {
    const config = buildStorageConfig('smb', { host: 'nas', port: 'abc', share: 'data', user: 'svc' });
    expect(config.port).toBe('abc');
    expect(validateStorageConfig('smb', config)).toEqual([{ field: 'port', message: 'must be an integer from 1 to 65535' }]);
  });

  it('sends an empty required field, so the API says it must not be empty', () => {
    expect(buildStorageConfig('posix', {})).toEqual({ path: '' });
  });

  it('keeps only the chosen type’s fields when the type changed after typing', () => {
    expect(buildStorageConfig('posix', { path: '/data', bucket: 'left-over' })).toEqual({ path: '/data' });
  });

  it('fills the edit form from a stored config, numbers as text', () => {
    expect(configValues({ config: { host: 'nas', port: 445, share: 'data' } })).toEqual({ host: 'nas', port: '445', share: 'data' });
    expect(configToValues(undefined)).toEqual({});
  });

  it('describes each type in one line', () => {
    expect(describeStorage({ type: 'posix', config: { path: '/srv/archive' } })).toBe('/srv/archive');
    expect(describeStorage({ type: 's3', config: { bucket: 'b', prefix: 'p', endpoint: 'https://s3.local' } })).toBe('s3://b/p at https://s3.local');
    expect(describeStorage({ type: 'smb', config: { host: 'nas', port: 1445, share: 'data', path: 'in', user: 'svc', domain: 'LAB' } })).toBe('//nas:1445/data/in as LAB\\svc');
  });
});

describe('instrument form', () => {
  it.each(SOURCE_TYPES)('offers exactly the fields the API accepts for %s sources', (type: SourceType) => {
    expect(validateSourceConfig(type, buildSourceConfig(type, TYPED))).toEqual([]);
  });

  it('round-trips a stored source config', () => {
    const stored = { host: 'nas', port: 1445, share: 'data', path: 'exports' };
    expect(buildSourceConfig('smb', sourceValues({ sourceConfig: stored }))).toEqual(stored);
  });

  it('reads the quiet period: empty is the default, a whole number is sent, anything else is refused by the API', () => {
    expect(parseSeconds('')).toBeUndefined();
    expect(parseSeconds(' 120 ')).toBe(120);
    expect(parseSeconds('1.5')).toBeNaN();
    expect(JSON.stringify({ minAgeSeconds: parseSeconds('abc') })).toBe('{"minAgeSeconds":null}');
  });

  it('words the quiet period', () => {
    expect(formatQuietPeriod(0)).toBe('0 s');
    expect(formatQuietPeriod(59)).toBe('59 s');
    expect(formatQuietPeriod(150)).toBe('2 min 30 s');
    expect(formatQuietPeriod(3600)).toBe('1 h');
    expect(formatQuietPeriod(90_061)).toBe('1 d 1 h 1 min 1 s');
  });

  it('describes each source in one line', () => {
    expect(describeSource({ sourceType: 'smb', sourceConfig: { host: 'pc-17', share: 'data', path: 'exports' } })).toBe('//pc-17/data/exports');
    expect(describeSource({ sourceType: 'rclone', sourceConfig: { remote: 'lab:raw' } })).toBe('lab:raw');
    expect(describeSource({ sourceType: 'local', sourceConfig: { path: '/data/in' } })).toBe('/data/in');
  });

  it('has one field per config key and unique labels within a type', () => {
    for (const fields of [...Object.values(SOURCE_FIELDS), ...Object.values(CONFIG_FIELDS)]) {
      expect(new Set(fields.map((f) => f.key)).size).toBe(fields.length);
      expect(new Set(fields.map((f) => f.label)).size).toBe(fields.length);
    }
  });
});

describe('field messages', () => {
  it('words the API’s message with the field’s label', () => {
    expect(messageForLabel('config.path must be an absolute path', 'config.path', 'Path')).toBe('Path must be an absolute path');
    expect(messageForLabel('minAgeSeconds must be an integer', 'minAgeSeconds', 'Quiet period')).toBe('Quiet period must be an integer');
    expect(messageForLabel('pathTemplate must not be empty', 'destinations[0].pathTemplate', 'Path template')).toBe('Path template must not be empty');
  });

  it('leaves a message that does not start with the field name as it is', () => {
    expect(messageForLabel('Another storage location has this name', 'name', 'Name')).toBe('Another storage location has this name');
    expect(messageForLabel('names must differ', 'name', 'Name')).toBe('names must differ');
  });

  it('gives a field the error only when the error names it', () => {
    const error = { statusCode: 400, code: 'validation_failed', message: 'minAgeSeconds must be an integer', field: 'minAgeSeconds' };
    expect(fieldMessage(error, 'minAgeSeconds', 'Quiet period')).toBe('Quiet period must be an integer');
    expect(fieldMessage(error, 'minAgeSeconds')).toBe('minAgeSeconds must be an integer');
    expect(fieldMessage(error, 'name', 'Name')).toBeUndefined();
    expect(fieldMessage(null, 'name', 'Name')).toBeUndefined();
    expect(fieldErrorProps(error, 'minAgeSeconds', 'Quiet period')).toEqual({ name: 'minAgeSeconds', error: true, helperText: 'Quiet period must be an integer' });
    // No helperText key: the field's own hint, given before the spread, stays.
    expect(fieldErrorProps(error, 'name', 'Name')).toEqual({ name: 'name', error: false });
  });

  it('counts instruments in words', () => {
    expect([0, 1, 2].map(instrumentUsage)).toEqual(['not used by any instrument', 'used by 1 instrument', 'used by 2 instruments']);
    expect([0, 1, 2].map(instrumentCountLabel)).toEqual(['Not used', '1 instrument', '2 instruments']);
  });
});

describe('values to config', () => {
  it('ignores values of keys the table does not list', () => {
    expect(valuesToConfig([{ key: 'a', label: 'A', helper: '' }], { a: 'x', b: 'y' })).toEqual({ a: 'x' });
  });
});
