import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Files listed in path order stay fast over a million rows (the trigram index cannot order). */
export class FileSort1732380000000 implements MigrationInterface {
  name = 'FileSort1732380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX file_versions_path ON file_versions (path, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX file_versions_path`);
  }
}
