/**
 * `node tools/dist/reseal.js`: after an encryption key rotation, seals every stored secret
 * (service-account passwords, storage secrets, webhook keys and header values, instruments' rclone
 * connection strings) with SHEAF_ENCRYPTION_KEY, opening each with it or one of
 * SHEAF_ENCRYPTION_OLD_KEYS. All or nothing:
 * a secret none of the keys opens stops it, named, and changes nothing. Run again, it finds
 * nothing left to do.
 */
import { loadServerConfig } from '@sheaf/config';
import { SecretBox } from '@sheaf/crypto';
import { createDataSource } from '@sheaf/db';
import type { DataSource } from 'typeorm';

/** Where secrets are stored sealed: table, what its rows are, and the column. */
const SEALED_COLUMNS = [
  { table: 'service_accounts', what: 'service account', column: 'password_sealed' },
  { table: 'storage_locations', what: 'storage location', column: 'secret_sealed' },
  { table: 'hooks', what: 'hook', column: 'secret_sealed' },
  // A webhook's header values (an Authorization token), sealed together as one JSON object.
  { table: 'hooks', what: 'hook header', column: 'headers_sealed' },
  // An instrument's rclone connection string (its options may hold credentials).
  { table: 'instruments', what: 'instrument connection string', column: 'source_remote_sealed' },
] as const;

export interface ResealCount {
  what: string;
  sealed: number;
  resealed: number;
}

/** Re-seals, in one transaction, what an older key sealed; returns how many per kind of row. */
export async function resealSecrets(dataSource: DataSource, box: SecretBox): Promise<ResealCount[]> {
  return dataSource.transaction(async (tx) => {
    const counts: ResealCount[] = [];
    for (const { table, what, column } of SEALED_COLUMNS) {
      // Deleted rows too: a restore brings their secret back into use.
      const rows = (await tx.query(`SELECT id, ${column} AS sealed FROM ${table} WHERE ${column} IS NOT NULL FOR UPDATE`)) as Array<{ id: string; sealed: string }>;
      let resealed = 0;
      for (const row of rows) {
        let again: string | undefined;
        try {
          again = box.reseal(row.sealed);
        } catch (err) {
          throw new Error(`${what} ${row.id}: ${(err as Error).message}; nothing was changed`);
        }
        if (again === undefined) continue;
        await tx.query(`UPDATE ${table} SET ${column} = $2 WHERE id = $1`, [row.id, again]);
        resealed++;
      }
      counts.push({ what, sealed: rows.length, resealed });
    }
    return counts;
  });
}

async function main(): Promise<void> {
  const config = loadServerConfig();
  if (!config.encryptionKey) throw new Error('SHEAF_ENCRYPTION_KEY is not set: there is no key to seal with');
  // Without the keys it replaced this pod is not one of the rotation's (docs/deploy.md, step 2):
  // it would re-seal nothing and report success.
  if (!config.encryptionOldKeys.length) throw new Error('SHEAF_ENCRYPTION_OLD_KEYS is not set: run this where the new key is SHEAF_ENCRYPTION_KEY and the old ones are given there');
  const box = SecretBox.fromBase64(config.encryptionKey, config.encryptionOldKeys);
  const dataSource = createDataSource({ url: config.databaseUrl, applicationName: 'sheaf-reseal', poolSize: 1 });
  await dataSource.initialize();
  try {
    for (const { what, sealed, resealed } of await resealSecrets(dataSource, box)) {
      process.stdout.write(`${what} secrets: ${sealed} stored, ${resealed} sealed again with SHEAF_ENCRYPTION_KEY\n`);
    }
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`sheaf reseal: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
