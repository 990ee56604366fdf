import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { notFound } from './domain-error';

/**
 * Locks one row of a soft-deletable table for update: live unless `deleted`, which asks for a
 * deleted one (to restore it), or `'either'` (to take away what a deleted one still gives).
 * Anything else is the usual 404 naming `what`. Columns declared `select: false` (sealed
 * secrets, hashes) are left out unless named in `hidden`.
 */
export async function lockRow<E extends ObjectLiteral & { id: string; deletedAt: Date | null }>(
  tx: EntityManager,
  entity: EntityTarget<E>,
  id: string,
  what: string,
  deleted: boolean | 'either' = false,
  hidden: ReadonlyArray<keyof E & string> = [],
): Promise<E> {
  const qb = tx.getRepository(entity).createQueryBuilder('row').withDeleted().where('row.id = :id', { id }).setLock('pessimistic_write');
  for (const column of hidden) qb.addSelect(`row.${column}`);
  const row = await qb.getOne();
  if (!row || (deleted !== 'either' && (row.deletedAt !== null) !== deleted)) throw notFound(what);
  return row;
}
