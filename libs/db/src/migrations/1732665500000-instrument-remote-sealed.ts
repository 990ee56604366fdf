import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An instrument's rclone connection string (`:s3,access_key_id=...,secret_access_key=...:bucket`,
 * `:sftp,...,pass=...:path`) holds credentials: it is kept here, sealed with SHEAF_ENCRYPTION_KEY,
 * and `source_config.remote` holds ***. A migration has no key (it lives in the API's and
 * workers' environment, not the database's): instruments stored before hold the string in clear
 * until the API starts with the key and seals them, as it did for webhook header values
 * (HookHeadersSealed1732610000000). The workers of this release read either form; older ones
 * read *** as an invalid path (docs/deploy.md: scale them to zero for the upgrade).
 */
export class InstrumentRemoteSealed1732665500000 implements MigrationInterface {
  name = 'InstrumentRemoteSealed1732665500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE instruments ADD COLUMN source_remote_sealed text`);
  }

  /** Refused while any connection string is sealed here: the configs hold only ***, so dropping the column would lose them. */
  async down(q: QueryRunner): Promise<void> {
    const [{ sealed }] = (await q.query(`SELECT count(*)::int AS sealed FROM instruments WHERE source_remote_sealed IS NOT NULL`)) as Array<{ sealed: number }>;
    if (sealed > 0) {
      throw new Error(`${sealed} instrument(s) keep their rclone connection string sealed in instruments.source_remote_sealed: set them again in clear, or restore a backup, before reverting`);
    }
    await q.query(`ALTER TABLE instruments DROP COLUMN source_remote_sealed`);
  }
}
