import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Destination paths held by the batches copying to them. Two batches that copy two files to one
 * path at the same moment (two batches of one run under a template such as `flat/{name}`, or two
 * instruments whose templates meet) each found the path free, and the second copy replaced the
 * first; the first batch's re-copy could then replace a copy the second had already verified.
 * A batch claims its paths before it looks at the destination and lets them go once their
 * verdicts are recorded (closing the run lets go of whatever a batch left). Rows live only
 * while batches copy, so they carry no foreign keys: a check per row would cost every copy,
 * and a claim on a location or version that is gone holds nothing anyone wants.
 * `path_key` is the SHA-256 (hex) of the path as the location compares names (lower case on SMB,
 * which ignores case): a path can be longer than a btree entry may be.
 */
export class DestinationClaims1732510000000 implements MigrationInterface {
  name = 'DestinationClaims1732510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE destination_claims (
        storage_location_id uuid NOT NULL,
        path_key text NOT NULL,
        file_version_id uuid NOT NULL,
        run_id uuid NOT NULL,
        PRIMARY KEY (storage_location_id, path_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE destination_claims`);
  }
}
