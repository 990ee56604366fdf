import type { EntityManager } from 'typeorm';

/** Run statuses that still hold the instrument: a run in one of them may change, and blocks another. */
export const ACTIVE_RUN_STATUSES: readonly string[] = ['pending', 'running'];

export function isActiveRun(status: string): boolean {
  return ACTIVE_RUN_STATUSES.includes(status);
}

/**
 * The id of the instrument's pending or running harvest, if it has one. The statuses are spelled
 * out, as in the partial index `harvest_runs_active` that serves this: a parameter would not let
 * the planner use it.
 */
export async function activeRunOf(manager: EntityManager, instrumentId: string): Promise<string | undefined> {
  const [active] = (await manager.query(
    `SELECT id FROM harvest_runs WHERE instrument_id = $1 AND status IN ('pending', 'running') ORDER BY created_at DESC LIMIT 1`,
    [instrumentId],
  )) as Array<{ id: string }>;
  return active?.id;
}
