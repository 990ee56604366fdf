import { mintArk } from '@sheaf/ark';
import { HarvestRunEntity, InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity } from '@sheaf/db';
import { MockActivityEnvironment, createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { createHarvestActivities } from '../src/activities/harvest.activities';
import { HarvestCatalogue } from '../src/harvest/catalogue';

/**
 * beginRun against real PostgreSQL: it takes the instrument's lease and starts the run's
 * discovery, once. Run again for a run already on its way (the workflow reset in the Temporal UI
 * to before it, or a late attempt that overran its time limit while the next one went on), it
 * changes nothing of where the run is.
 */
describe('beginRun', () => {
  let db: TestDatabase;
  let activities: ReturnType<typeof createHarvestActivities>;
  const activity = new MockActivityEnvironment();

  beforeAll(async () => {
    db = await createTestDatabase();
    activities = createHarvestActivities({
      dataSource: db.dataSource,
      rcloneBinary: requireTool('rclone', process.env),
      ark: { mint: () => mintArk({ naan: '99999', shoulder: 'fk4' }) },
      batch: { maxFiles: 1000, maxBytes: 1024 ** 3 },
      transfers: 4,
      identity: 'test',
    });
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function instrumentWithDestination(name: string) {
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const storage = await db.dataSource.getRepository(StorageLocationEntity).save({ name: `${name}-archive`, type: 'posix', config: { path: '/a' } });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });
    return { instrument, storage };
  }

  const runOf = (id: string) => db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id });

  it('starts a queued run discovering; run again once it transfers, it keeps it transferring, so its plan is found and its destinations marked searched', async () => {
    const { instrument, storage } = await instrumentWithDestination('begun-twice');
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api' });
    expect(run).toMatchObject({ status: 'pending', phase: 'queued' });

    expect(await activity.run(activities.beginRun, run.id)).toEqual({ acquired: true, instrumentName: 'begun-twice' });
    const begun = await runOf(run.id);
    expect(begun).toMatchObject({ status: 'running', phase: 'discovering', startedAt: expect.any(Date) });

    // Discovery committed its plan (no batch: nothing new) and searched the destination for what it lacked.
    await db.dataSource.query(`UPDATE harvest_runs SET phase = 'transferring', batches_total = 0 WHERE id = $1`, [run.id]);
    await db.dataSource.query(`INSERT INTO harvest_run_destinations (run_id, storage_location_id, backfill_checked) VALUES ($1, $2, true)`, [run.id, storage.id]);

    // beginRun again: the workflow reset to its start, or a late first attempt.
    expect(await activity.run(activities.beginRun, run.id)).toEqual({ acquired: true, instrumentName: 'begun-twice' });
    expect(await runOf(run.id)).toMatchObject({ status: 'running', phase: 'transferring', startedAt: begun.startedAt });
    // Discovery run again finds the plan instead of listing the source again.
    expect(await new HarvestCatalogue(db.dataSource).existingPlan(run.id)).toMatchObject({ batches: 0 });

    await activity.run(activities.finishRun, run.id, { status: 'succeeded' as const });
    expect(await runOf(run.id)).toMatchObject({ status: 'succeeded', phase: 'finished' });
    const [{ backfilled_at: backfilledAt }] = (await db.dataSource.query(
      `SELECT backfilled_at FROM instrument_destinations WHERE instrument_id = $1 AND storage_location_id = $2`,
      [instrument.id, storage.id],
    )) as Array<{ backfilled_at: Date | null }>;
    expect(backfilledAt).not.toBeNull();
  });

  it('takes no lease another open run of the instrument holds, and names that run', async () => {
    const { instrument } = await instrumentWithDestination('lease-held');
    const runs = db.dataSource.getRepository(HarvestRunEntity);
    const holder = await runs.save({ instrumentId: instrument.id, trigger: 'schedule', status: 'running', phase: 'transferring' });
    await db.dataSource.query(`INSERT INTO instrument_leases (instrument_id, run_id) VALUES ($1, $2)`, [instrument.id, holder.id]);
    const run = await runs.save({ instrumentId: instrument.id, trigger: 'api' });

    expect(await activity.run(activities.beginRun, run.id)).toEqual({ acquired: false, instrumentName: 'lease-held', holderRunId: holder.id });
    expect(await runOf(run.id)).toMatchObject({ status: 'pending', phase: 'queued' });
  });
});
