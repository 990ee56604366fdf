import { randomBytes } from 'node:crypto';
import { SecretBox } from '@sheaf/crypto';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { resealSecrets } from '../src/reseal';

describe('re-sealing stored secrets after an encryption key rotation', () => {
  let db: TestDatabase;
  const key = () => randomBytes(32).toString('base64');

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db?.drop());

  const sealedValues = async () =>
    (await db.dataSource.query(
      `SELECT 'account' AS kind, password_sealed AS sealed FROM service_accounts
       UNION ALL SELECT 'storage', secret_sealed FROM storage_locations WHERE secret_sealed IS NOT NULL
       UNION ALL SELECT 'hook', secret_sealed FROM hooks WHERE secret_sealed IS NOT NULL
       UNION ALL SELECT 'hook headers', headers_sealed FROM hooks WHERE headers_sealed IS NOT NULL
       UNION ALL SELECT 'instrument remote', source_remote_sealed FROM instruments WHERE source_remote_sealed IS NOT NULL ORDER BY 1, 2`,
    )) as Array<{ kind: string; sealed: string }>;

  it('seals every secret an older key sealed with the current key, leaves the current ones, and is all or nothing', async () => {
    const [oldest, older, current] = [key(), key(), key()];
    const q = (sql: string, params: unknown[]) => db.dataSource.query(sql, params);
    await q(`INSERT INTO service_accounts (name, username, password_sealed) VALUES ('svc', 'svc', $1)`, [SecretBox.fromBase64(oldest).seal('smb-password')]);
    await q(`INSERT INTO storage_locations (name, type, config, secret_sealed, deleted_at) VALUES ('s3', 's3', '{}', $1, now())`, [SecretBox.fromBase64(older).seal('s3-secret')]);
    await q(`INSERT INTO hooks (name, phase, kind, config, secret_sealed, headers_sealed, priority, enabled) VALUES ('lims', 'post', 'webhook', $1, $2, $3, 0, true)`, [
      { url: 'https://lims.example.org/in', headers: { Authorization: '***' } },
      SecretBox.fromBase64(current).seal('hmac-key'),
      SecretBox.fromBase64(older).seal(JSON.stringify({ Authorization: 'Bearer lims-token' })),
    ]);
    // An instrument's rclone connection string (source_config holds ***), deleted: a restore uses it.
    await q(`INSERT INTO instruments (name, source_type, source_config, source_remote_sealed, deleted_at) VALUES ('scope', 'rclone', $1, $2, now())`, [
      { remote: '***' },
      SecretBox.fromBase64(oldest).seal(':sftp,host=scope.lab,pass=sftp-secret:data'),
    ]);
    const rotated = SecretBox.fromBase64(current, [older, oldest]);

    // A secret no key opens stops it, naming the row, and nothing changes: in the last column (an
    // instrument's connection string), so the re-sealed secrets of the columns before it are rolled back.
    const [stranger] = (await q(`INSERT INTO instruments (name, source_type, source_config, source_remote_sealed) VALUES ('lost', 'rclone', $1, $2) RETURNING id`, [
      { remote: '***' },
      SecretBox.fromBase64(key()).seal(':sftp,host=unknown:data'),
    ])) as Array<{ id: string }>;
    const before = await sealedValues();
    await expect(resealSecrets(db.dataSource, rotated)).rejects.toThrow(`instrument connection string ${stranger.id}: a sealed secret could not be opened`);
    expect(await sealedValues()).toEqual(before);
    await q(`DELETE FROM instruments WHERE id = $1`, [stranger.id]);

    expect(await resealSecrets(db.dataSource, rotated)).toEqual([
      { what: 'service account', sealed: 1, resealed: 1 },
      { what: 'storage location', sealed: 1, resealed: 1 },
      { what: 'hook', sealed: 1, resealed: 0 },
      { what: 'hook header', sealed: 1, resealed: 1 },
      { what: 'instrument connection string', sealed: 1, resealed: 1 },
    ]);
    // The current key alone opens them all now (the deleted location's too: a restore uses it).
    const onlyCurrent = SecretBox.fromBase64(current);
    expect((await sealedValues()).map((v) => [v.kind, onlyCurrent.open(v.sealed)])).toEqual([
      ['account', 'smb-password'],
      ['hook', 'hmac-key'],
      ['hook headers', '{"Authorization":"Bearer lims-token"}'],
      ['instrument remote', ':sftp,host=scope.lab,pass=sftp-secret:data'],
      ['storage', 's3-secret'],
    ]);
    expect((await resealSecrets(db.dataSource, rotated)).map((c) => c.resealed)).toEqual([0, 0, 0, 0, 0]);
  });
});
