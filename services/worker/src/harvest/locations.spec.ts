import { randomBytes } from 'node:crypto';
import { SecretBox } from '@sheaf/crypto';
import type { InstrumentEntity, ServiceAccountEntity } from '@sheaf/db';
import { resolveSource } from './locations';

describe("an instrument's source as the worker reads it from the catalogue", () => {
  const box = SecretBox.fromBase64(randomBytes(32).toString('base64'));
  const account = { name: 'scopes', username: 'svc', domain: 'LAB', passwordSealed: box.seal('pw') } as ServiceAccountEntity;
  const smb = (sourceConfig: Record<string, unknown>) => ({ name: 'krios-1', sourceType: 'smb', sourceConfig }) as InstrumentEntity;

  it('takes a key stored as null (before the API refused null) for unset, as the connection test does, instead of failing every harvest', () => {
    const source = resolveSource(smb({ host: 'scope-pc', share: 'data', port: null }), account, box);
    expect(source.remotes).toEqual([{ name: 'src', type: 'smb', options: { host: 'scope-pc', user: 'svc', pass: expect.any(String), domain: 'LAB' } }]);
  });

  it('still stops at a stored config that breaks a rule, naming the field', () => {
    expect(() => resolveSource(smb({ host: 'scope-pc', port: 445 }), account, box)).toThrow(/^instrument krios-1: its source config share /);
  });
});
