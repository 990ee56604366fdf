import type { EntityManager, EntityTarget, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import { notFound } from './domain-error';

/**
 * Locks one row of a soft-deletable table for update: live unless `deleted`, which asks for a
 * deleted one (to restore it). Anything else is the usual 404 naming `what`.
 */
export async function lockRow<E extends ObjectLiteral & { id: string; deletedAt: Date | null }>(
  tx: EntityManager,
  entity: EntityTarget<E>,
  id: string,
  what: string,
  deleted = false,
): Promise<E> {
  const row = await tx
    .getRepository(entity)
    .findOne({ where: { id } as FindOptionsWhere<E>, withDeleted: true, lock: { mode: 'pessimistic_write' } });
  if (!row || (row.deletedAt !== null) !== deleted) throw notFound(what);
  return row;
}
