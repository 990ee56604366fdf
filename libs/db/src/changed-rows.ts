import type { DataSource, EntityManager } from 'typeorm';

/**
 * The rows an `UPDATE … RETURNING` or `DELETE … RETURNING` gave. TypeORM's `query()` answers
 * those two statements with `[rows, rowCount]` (every other statement with the rows alone), so
 * the length of its answer is always 2, whatever changed.
 */
export async function changedRows<T>(db: DataSource | EntityManager, sql: string, parameters: readonly unknown[]): Promise<T[]> {
  const [rows] = (await db.query(sql, [...parameters])) as [T[], number];
  return rows;
}
