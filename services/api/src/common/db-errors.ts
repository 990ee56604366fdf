import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { DomainError } from './domain-error';

/** A unique index, and the 409 that tells the client which of its values is taken. */
export interface UniqueConflict {
  constraint: string;
  code: string;
  message: string;
  field: string;
}

/** Whether PostgreSQL refused a statement with `sqlState` on `constraint`. */
function violates(err: unknown, sqlState: string, constraint: string): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const driver = err.driverError as { code?: string; constraint?: string };
  return driver.code === sqlState && driver.constraint === constraint;
}

const isUniqueViolation = (err: unknown, constraint: string) => violates(err, '23505', constraint);

/** A foreign key violation of `constraint`: the row refers to one that does not exist. */
export const isForeignKeyViolation = (err: unknown, constraint: string) => violates(err, '23503', constraint);

/**
 * Runs `work` in one transaction; a violation of `unique.constraint` becomes its 409 (code,
 * message, field) instead of the error filter's generic one. The index decides, not a lookup
 * beforehand: two concurrent writes of one value cannot both pass it.
 */
export async function transactionOrConflict<T>(dataSource: DataSource, unique: UniqueConflict, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await dataSource.transaction(work);
  } catch (err) {
    if (isUniqueViolation(err, unique.constraint)) throw new DomainError('conflict', unique.code, unique.message, unique.field);
    throw err;
  }
}
