import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access hook's group and project names match whatever their case: names are unique ignoring
 * case, and a hook that takes them from a path (`Microscopy/…`) granted nothing to the group
 * `microscopy`. The stored grants stay as written; the indexes are on their lower-case form,
 * which is what the API compares.
 */
export class AccessNamesAnyCase1732590000000 implements MigrationInterface {
  name = 'AccessNamesAnyCase1732590000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX file_versions_access_groups`);
    await q.query(`DROP INDEX file_versions_access_projects`);
    await q.query(`CREATE INDEX file_versions_access_groups ON file_versions USING gin ((lower((access -> 'groups')::text)::jsonb))`);
    await q.query(`CREATE INDEX file_versions_access_projects ON file_versions USING gin ((lower((access -> 'projects')::text)::jsonb))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX file_versions_access_groups`);
    await q.query(`DROP INDEX file_versions_access_projects`);
    await q.query(`CREATE INDEX file_versions_access_groups ON file_versions USING gin ((access -> 'groups'))`);
    await q.query(`CREATE INDEX file_versions_access_projects ON file_versions USING gin ((access -> 'projects'))`);
  }
}
