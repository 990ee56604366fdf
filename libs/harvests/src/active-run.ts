import type { EntityManager } from 'typeorm';

/** Run statuses that still hold the instrument: a run in one of them may change, and blocks another. */
const ACTIVE_RUN_STATUSES: readonly string[] = ['pending', 'running'];

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

/**
 * A pending or running harvest that delivers to the storage location, if any: of an instrument
 * that has it as a destination, or that planned deliveries there (a destination detached during
 * the run may be attached again). Its batches read the location's settings one by one, so a move
 * of its root would split the run.
 */
export async function activeRunDeliveringTo(manager: EntityManager, storageLocationId: string): Promise<string | undefined> {
  const [active] = (await manager.query(
    `SELECT r.id FROM harvest_runs r
     WHERE r.status IN ('pending', 'running')
       AND (EXISTS (SELECT 1 FROM instrument_destinations d WHERE d.instrument_id = r.instrument_id AND d.storage_location_id = $1)
            OR EXISTS (SELECT 1 FROM harvest_run_destinations hd WHERE hd.run_id = r.id AND hd.storage_location_id = $1))
     ORDER BY r.created_at DESC LIMIT 1`,
    [storageLocationId],
  )) as Array<{ id: string }>;
  return active?.id;
}

/**
 * The instrument's pending or running harvests that planned deliveries to any of the storage
 * locations, by location name. All of them: a scheduled run's row is pending beside a running
 * one until its workflow refuses it.
 */
export async function activeRunsPlannedFor(
  manager: EntityManager,
  instrumentId: string,
  storageLocationIds: readonly string[],
): Promise<Array<{ runId: string; storageLocationName: string }>> {
  const rows = (await manager.query(
    `SELECT d.run_id, s.name FROM harvest_run_destinations d
     JOIN harvest_runs r ON r.id = d.run_id JOIN storage_locations s ON s.id = d.storage_location_id
     WHERE r.instrument_id = $1 AND r.status IN ('pending', 'running') AND d.storage_location_id = ANY($2::uuid[]) ORDER BY s.name`,
    [instrumentId, storageLocationIds],
  )) as Array<{ run_id: string; name: string }>;
  return rows.map((r) => ({ runId: r.run_id, storageLocationName: r.name }));
}
