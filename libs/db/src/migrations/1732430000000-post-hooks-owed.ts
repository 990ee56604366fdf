import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Verified versions whose post-hooks have not run (their run was cancelled or failed between
 * verification and post-hooks): the next run of the instrument looks them up here and runs the
 * post-hooks it missed. Only such versions have an entry: a version is inserted pending, and
 * verified with `post_hooks_done` already set when its instrument has no post-hooks.
 */
export class PostHooksOwed1732430000000 implements MigrationInterface {
  name = 'PostHooksOwed1732430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX file_versions_post_hooks_owed ON file_versions (instrument_id) WHERE status = 'verified' AND NOT post_hooks_done`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX file_versions_post_hooks_owed`);
  }
}
