import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A webhook's extra request headers (an `Authorization: Bearer ...`) are secrets: their values are
 * kept here, sealed with SHEAF_ENCRYPTION_KEY like the signing key (a JSON object of name and
 * value), and the hook's config keeps the names with *** as values. Hooks stored before hold the
 * values in their config: the API seals them when it starts with the key.
 */
export class HookHeadersSealed1732610000000 implements MigrationInterface {
  name = 'HookHeadersSealed1732610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE hooks ADD COLUMN headers_sealed text`);
  }

  /** Refused while any value is sealed here: the configs hold only ***, so dropping the column would lose them. */
  async down(q: QueryRunner): Promise<void> {
    const [{ sealed }] = (await q.query(`SELECT count(*)::int AS sealed FROM hooks WHERE headers_sealed IS NOT NULL`)) as Array<{ sealed: number }>;
    if (sealed > 0) throw new Error(`${sealed} webhook hook(s) keep their header values sealed in hooks.headers_sealed: set them again in clear, or restore a backup, before reverting`);
    await q.query(`ALTER TABLE hooks DROP COLUMN headers_sealed`);
  }
}
