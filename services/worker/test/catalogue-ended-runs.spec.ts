import type { DataSource, EntityManager } from 'typeorm';
import { HarvestRunEntity, InstrumentEntity } from '@sheaf/db';
import { closeRun } from '@sheaf/harvests';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { HarvestCatalogue, type DeliveryOutcome } from '../src/harvest/catalogue';

/**
 * A data source (or transaction) that runs `hook` around every query matching `pattern`:
 * before it, or after it has returned. Interleaves one connection's statements with another's.
 */
function hooked<T extends DataSource | EntityManager>(db: T, pattern: RegExp, when: 'before' | 'after', hook: () => Promise<void>): T {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'query') {
        return async (sql: string, parameters?: unknown[]) => {
          if (when === 'before' && pattern.test(sql)) await hook();
          const result: unknown = await target.query(sql, parameters);
          if (when === 'after' && pattern.test(sql)) await hook();
          return result;
        };
      }
      if (property === 'transaction') {
        return <R>(work: (tx: EntityManager) => Promise<R>) => target.transaction((tx) => work(hooked(tx, pattern, when, hook)));
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * The catalogue against runs that end while something is recorded for them: an instrument's
 * lease, taken while its holder is being closed, and what a batch attempt that outlived its run
 * (its heartbeat lost, the run cancelled and closed meanwhile) would record. Real PostgreSQL.
 */
describe('harvest catalogue: runs that end meanwhile', () => {
  let db: TestDatabase;
  let catalogue: HarvestCatalogue;

  beforeAll(async () => {
    db = await createTestDatabase();
    catalogue = new HarvestCatalogue(db.dataSource);
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function instrumentWithRun(name: string, status: 'pending' | 'running' = 'running') {
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status, phase: 'transferring' });
    const [location] = (await db.dataSource.query(`INSERT INTO storage_locations (name, type, config) VALUES ($1, 'posix', '{"path": "/a"}') RETURNING id`, [
      `${name}-archive`,
    ])) as Array<{ id: string }>;
    const [version] = (await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version) VALUES ($1, 'a.raw', 3, '2025-03-01T10:00:00Z', 1) RETURNING id`,
      [instrument.id],
    )) as Array<{ id: string }>;
    return { instrument, run, location: location.id, version: version.id };
  }

  const verifiedAt = (fileVersionId: string, storageLocationId: string, sha256 = 'a'.repeat(64)): DeliveryOutcome => ({
    fileVersionId,
    storageLocationId,
    destinationPath: 'a.raw',
    sourceSha256: sha256,
    destinationSha256: sha256,
    verified: true,
    attempts: [{ bytes: 3, durationMs: 1, destinationSha256: sha256, status: 'verified', error: null }],
    error: null,
  });

  const runEnded = { nonRetryable: true, type: 'NotFound', message: expect.stringMatching(/^harvest run [0-9a-f-]+ has ended; /) };

  const claimsAt = async (location: string) =>
    (await db.dataSource.query(`SELECT file_version_id, run_id FROM destination_claims WHERE storage_location_id = $1`, [location])) as unknown[];

  /** Whether a statement on this test's database is waiting for a row lock (another transaction's). */
  async function someoneWaitsForALock(): Promise<boolean> {
    const rows: unknown[] = await db.dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    return rows.length > 0;
  }

  it('takes the lease only with a lease row of its own, when the holder the insert found let go before it was looked up', async () => {
    const { instrument, run: a } = await instrumentWithRun('lease-let-go');
    const runs = db.dataSource.getRepository(HarvestRunEntity);
    const b = await runs.save({ instrumentId: instrument.id, trigger: 'api', status: 'pending' });
    const c = await runs.save({ instrumentId: instrument.id, trigger: 'api', status: 'pending' });
    expect(await catalogue.acquireLease(instrument.id, a.id)).toEqual({ acquired: true });

    // Run A is being closed: its new status is written, not yet committed, and its lease not yet deleted.
    const atDelete = gate();
    const resume = gate();
    const closing = closeRun(
      hooked(db.dataSource, /DELETE FROM instrument_leases/, 'before', async () => {
        atDelete.open();
        await resume.opened;
      }),
      a.id,
      { status: 'cancelled', error: 'cancelled by an operator' },
    );
    await atDelete.opened;
    // B's insert finds A's lease, with A still running as far as it can see: not taken. Before B
    // looks for the holder, A's close deletes the lease and commits.
    const forB = new HarvestCatalogue(
      hooked(db.dataSource, /INSERT INTO instrument_leases/, 'after', async () => {
        resume.open();
        await closing;
      }),
    );
    expect(await forB.acquireLease(instrument.id, b.id)).toEqual({ acquired: true });
    expect(await closing).toBe(true);

    // B holds the lease as a row says, so C, next, does not get it too.
    expect(await db.dataSource.query(`SELECT run_id FROM instrument_leases WHERE instrument_id = $1`, [instrument.id])).toEqual([{ run_id: b.id }]);
    expect(await catalogue.acquireLease(instrument.id, c.id)).toEqual({ acquired: false, holder: { runId: b.id, workflowId: null } });
  });

  it('claims no destination path for a run that has ended, and says so without a retry', async () => {
    const { run, location, version } = await instrumentWithRun('claims-after-close');
    await closeRun(db.dataSource, run.id, { status: 'cancelled', error: 'cancelled by an operator' });
    await expect(catalogue.claimPaths(run.id, location, [{ fileVersionId: version, key: 'k-a' }])).rejects.toMatchObject(runEnded);
    expect(await claimsAt(location)).toEqual([]);
  });

  it('claims nothing while the run is being closed: the claim waits for the close and finds the run ended', async () => {
    const { run, location, version } = await instrumentWithRun('claims-while-closing');
    // The close has let go of the run's claims and not yet committed.
    const released = gate();
    const commit = gate();
    const closing = closeRun(
      hooked(db.dataSource, /DELETE FROM destination_claims/, 'after', async () => {
        released.open();
        await commit.opened;
      }),
      run.id,
      { status: 'cancelled', error: 'cancelled by an operator' },
    );
    await released.opened;
    let settled = false;
    const claiming = catalogue.claimPaths(run.id, location, [{ fileVersionId: version, key: 'k-a' }]).then(
      (lost) => ({ lost }),
      (err: unknown) => ({ err }),
    );
    void claiming.finally(() => (settled = true));
    // Until the claim has finished (the old claim did not wait) or waits for the close's lock.
    for (let i = 0; i < 200 && !settled && !(await someoneWaitsForALock()); i++) await new Promise((r) => setTimeout(r, 25));
    commit.open();
    expect(await closing).toBe(true);
    expect(await claiming).toEqual({ err: expect.objectContaining(runEnded) });
    expect(await claimsAt(location)).toEqual([]);
  });

  it('lets go of a claim a run that has ended left behind, and claims the path', async () => {
    const { instrument, run, location, version } = await instrumentWithRun('claim-left-behind');
    // An earlier run's attempt claimed the path after its run was closed (before runs were checked), and kept it.
    const ended = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'cancelled', phase: 'finished' });
    const [older] = (await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version) VALUES ($1, 'b.raw', 3, '2025-03-01T10:00:00Z', 1) RETURNING id`,
      [instrument.id],
    )) as Array<{ id: string }>;
    await db.dataSource.query(`INSERT INTO destination_claims (storage_location_id, path_key, file_version_id, run_id) VALUES ($1, 'k-a', $2, $3)`, [
      location,
      older.id,
      ended.id,
    ]);
    // A claim of an open run still holds its path.
    const other = await instrumentWithRun('claim-held');
    await db.dataSource.query(`INSERT INTO destination_claims (storage_location_id, path_key, file_version_id, run_id) VALUES ($1, 'k-b', $2, $3)`, [
      location,
      other.version,
      other.run.id,
    ]);

    const lost = await catalogue.claimPaths(run.id, location, [
      { fileVersionId: version, key: 'k-a' },
      { fileVersionId: older.id, key: 'k-b' },
    ]);
    expect(lost).toEqual(new Map([[older.id, { id: other.version, instrument: 'claim-held', path: 'a.raw' }]]));
    expect(await db.dataSource.query(`SELECT path_key, file_version_id, run_id FROM destination_claims WHERE storage_location_id = $1 ORDER BY path_key`, [location])).toEqual([
      { path_key: 'k-a', file_version_id: version, run_id: run.id },
      { path_key: 'k-b', file_version_id: other.version, run_id: other.run.id },
    ]);
  });

  it('records no delivery and closes no batch of a run that has ended: its counts stay as it was closed with', async () => {
    const { run, location, version } = await instrumentWithRun('late-verdicts');
    await db.dataSource.query(`INSERT INTO harvest_batches (run_id, batch_no, files, bytes, status) VALUES ($1, 0, 1, 3, 'running')`, [run.id]);
    await db.dataSource.query(`INSERT INTO harvest_items (run_id, file_version_id, batch_no) VALUES ($1, $2, 0)`, [run.id, version]);
    await closeRun(db.dataSource, run.id, { status: 'failed', error: 'a batch failed' });

    await expect(
      catalogue.recordDeliveries(run.id, [verifiedAt(version, location)], [location], () => 'ark:99999/fk4late', { enrichment: new Map(), postHooks: false }),
    ).rejects.toMatchObject(runEnded);
    await expect(catalogue.finishBatch(run.id, 0)).rejects.toMatchObject(runEnded);

    expect(await db.dataSource.query(`SELECT 1 FROM file_deliveries WHERE file_version_id = $1`, [version])).toEqual([]);
    expect(await db.dataSource.query(`SELECT 1 FROM transfers WHERE run_id = $1`, [run.id])).toEqual([]);
    expect(await db.dataSource.query(`SELECT status FROM file_versions WHERE id = $1`, [version])).toEqual([{ status: 'pending' }]);
    expect(await db.dataSource.query(`SELECT status FROM harvest_batches WHERE run_id = $1`, [run.id])).toEqual([{ status: 'running' }]);
    expect(await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: run.id })).toMatchObject({ status: 'failed', batchesDone: 0, filesDone: '0', filesDeferred: '0' });
  });

  it('records a delivery verified by two overlapping attempts of its batch once: its copy is counted once', async () => {
    const { run, location, version } = await instrumentWithRun('overlapping-attempts');
    const settle = { enrichment: new Map(), postHooks: false };
    // The first attempt lost its heartbeat but went on; both verified the same copy.
    await catalogue.recordDeliveries(run.id, [verifiedAt(version, location)], [location], () => 'ark:99999/fk4first', settle);
    await catalogue.recordDeliveries(run.id, [verifiedAt(version, location)], [location], () => 'ark:99999/fk4second', settle);

    expect(await db.dataSource.query(`SELECT status, attempt FROM transfers WHERE run_id = $1`, [run.id])).toEqual([{ status: 'verified', attempt: 1 }]);
    expect(await db.dataSource.query(`SELECT files_verified, bytes_verified FROM harvest_run_destinations WHERE run_id = $1`, [run.id])).toEqual([
      { files_verified: '1', bytes_verified: '3' },
    ]);
    expect(await db.dataSource.query(`SELECT ark FROM arks WHERE file_version_id = $1`, [version])).toEqual([{ ark: 'ark:99999/fk4first' }]);
  });
});
