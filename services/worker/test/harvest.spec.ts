import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { defaultPayloadConverter } from '@temporalio/common';
import { formatBytes } from '@sheaf/contracts';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { isValidArk, mintArk } from '@sheaf/ark';
import {
  ArkEntity,
  FileDeliveryEntity,
  FileVersionEntity,
  HarvestBatchEntity,
  HarvestRunEntity,
  HookEntity,
  InstrumentDestinationEntity,
  InstrumentEntity,
  ScheduleEntity,
  StorageLocationEntity,
  TransferEntity,
} from '@sheaf/db';
import { SecretBox } from '@sheaf/crypto';
import { startHarvest } from '@sheaf/harvests';
import { In } from 'typeorm';
import {
  MockActivityEnvironment,
  createTemporalTestEnv,
  createTestDatabase,
  makeTempDir,
  startSftpServer,
  type TempDir,
  type TemporalTestEnv,
  type TestDatabase,
} from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { harvest, progressQuery, searchAttributes } from '@sheaf/workflows';
import { WORKFLOWS_ENTRY } from '../src/bundle-paths';
import { createHarvestActivities } from '../src/activities/harvest.activities';
import { createHarvestWorker } from '../src/worker';
import { activitiesInHistory, captureHistory, NON_RETRYABLE } from './history';

const OLD = new Date('2026-01-01T00:00:00Z');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every file under `root`, relative path → content. */
async function readTree(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out.set(relative(root, full), await readFile(full));
  }
  return out;
}

async function writeTree(root: string, files: Record<string, Buffer | string>, mtime = OLD): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
    await utimes(join(root, path), mtime, mtime);
  }
}

describe('harvest engine on a real Temporal dev server, PostgreSQL and rclone', () => {
  let env: TemporalTestEnv;
  let bundle: WorkflowBundleWithSourceMap;
  let db: TestDatabase;
  let dir: TempDir;

  beforeAll(async () => {
    [env, bundle, db, dir] = await Promise.all([
      createTemporalTestEnv(),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } }),
      createTestDatabase(),
      makeTempDir(),
    ]);
  });

  afterAll(async () => {
    await env?.teardown();
    await db?.drop();
    await dir?.cleanup();
  });

  /** An instrument reading `source` (a local folder) with one or two POSIX destinations. */
  /** `destinations` storage locations, posix unless `nfs` names their indexes (a folder stands in for the mount). */
  async function instrumentWith(
    options: { source?: Record<string, unknown>; sourceType?: InstrumentEntity['sourceType']; destinations?: number; nfs?: number[]; minAgeSeconds?: number } = {},
  ) {
    const name = `inst-${randomUUID().slice(0, 8)}`;
    const sourceDir = join(dir.path, name, 'source');
    await mkdir(sourceDir, { recursive: true });
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({
      name,
      sourceType: options.sourceType ?? 'local',
      sourceConfig: options.source ?? { path: sourceDir },
      minAgeSeconds: options.minAgeSeconds ?? 60,
    });
    const roots: string[] = [];
    for (let i = 0; i < (options.destinations ?? 1); i++) {
      const root = join(dir.path, name, `storage-${i}`);
      roots.push(root);
      const type = options.nfs?.includes(i) ? 'nfs' : 'posix';
      const storage = await db.dataSource.getRepository(StorageLocationEntity).save({ name: `${name}-${i}`, type, config: { path: root } });
      await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });
    }
    return { instrument, sourceDir, roots, landed: (i = 0) => readTree(join(roots[i], name)) };
  }

  /** A POSIX storage location `<instrument>-later` added to an instrument after it was harvested. */
  async function addLaterDestination(instrument: InstrumentEntity) {
    const root = join(dir.path, instrument.name, 'storage-later');
    const storage = await db.dataSource.getRepository(StorageLocationEntity).save({ name: `${instrument.name}-later`, type: 'posix', config: { path: root } });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });
    return { root, storage };
  }

  /** A worker on its own task queue, with the test's database and real rclone. */
  async function startWorker(options: { batchFiles?: number; transfers?: number; mint?: () => string; rcloneBinary?: string; secretBox?: SecretBox } = {}) {
    const taskQueue = `test-${randomUUID()}`;
    const worker = await createHarvestWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: bundle,
      activities: {
        dataSource: db.dataSource,
        rcloneBinary: options.rcloneBinary ?? requireTool('rclone', process.env),
        ark: { mint: options.mint ?? (() => mintArk({ naan: '99999', shoulder: 'fk4' })) },
        batch: { maxFiles: options.batchFiles ?? 1000, maxBytes: 1024 ** 3 },
        transfers: options.transfers ?? 4,
        secretBox: options.secretBox,
      },
    });
    return { worker, taskQueue };
  }

  async function runHarvest(
    instrumentId: string,
    options: { batchFiles?: number; mint?: () => string; rcloneBinary?: string; secretBox?: SecretBox; tuning?: { heartbeatTimeoutSeconds: number } } = {},
  ) {
    const { worker, taskQueue } = await startWorker(options);
    const started = await startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId, trigger: 'api', tuning: options.tuning });
    const handle = env.client.workflow.getHandle(started.workflowId);
    // Queries need a worker, so ask while it still runs.
    const { outcome, progress, details } = await worker.runUntil(async () => {
      const outcome = await handle.result().then((value) => ({ value }), (error: unknown) => ({ error }));
      // What the Temporal UI shows as the workflow's current details.
      const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      return { outcome, progress: await handle.query(progressQuery), details: metadata.currentDetails };
    });
    const run = await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: started.runId });
    return { started, handle, outcome, progress, details, run };
  }

  /**
   * Starts the harvest as a Temporal Schedule does: with the schedule's ids and a workflow id of
   * the schedule and slot. The schedule row is made unless `scheduleId` names an existing one.
   */
  async function runScheduled(instrument: { id: string; name: string }, at: string, scheduleId?: string) {
    const { worker, taskQueue } = await startWorker();
    const schedule = scheduleId ?? (await db.dataSource.getRepository(ScheduleEntity).save({ instrumentId: instrument.id, cron: '0 * * * *' })).id;
    const workflowId = `harvest-${instrument.name}-schedule-${schedule}-${at}`;
    const result = await worker.runUntil(
      env.client.workflow.execute(harvest, {
        taskQueue,
        workflowId,
        args: [{ runId: '00000000-0000-0000-0000-000000000000', scheduled: { instrumentId: instrument.id, scheduleId: schedule } }],
      }),
    );
    return { workflowId, result, scheduleId: schedule };
  }

  /**
   * Starts a harvest, cancels it as soon as `ready` says so, and waits for its end: which error
   * the workflow's result gave ('completed' if none).
   */
  async function cancelledHarvest(instrumentId: string, ready: () => Promise<boolean>, options: Parameters<typeof startWorker>[0] = {}) {
    const { worker, taskQueue } = await startWorker(options);
    const started = await startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId, trigger: 'api' });
    const handle = env.client.workflow.getHandle(started.workflowId);
    const { outcome, details } = await worker.runUntil(async () => {
      while (!(await ready())) await new Promise((r) => setTimeout(r, 50));
      await handle.cancel();
      const outcome = await handle.result().then(() => 'completed', (err: unknown) => (err as Error).constructor.name);
      return { outcome, details: (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails };
    });
    const run = await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: started.runId });
    return { outcome, run, handle, details };
  }

  const exists = (path: string) => readFile(path).then(() => true, () => false);

  /**
   * The activities of a run that failed in discovery at once: discovery failed on its first
   * attempt as not retryable (no retry follows), and nothing else was retried either.
   */
  const failedAtOnceInDiscovery = (error: string | null) => [
    { activity: 'beginRun', attempt: 1, ended: 'completed' },
    { activity: 'discover', attempt: 1, ended: 'failed', retryState: NON_RETRYABLE, message: error },
    { activity: 'finishRun', attempt: 1, ended: 'completed' },
  ];

  /**
   * The real rclone behind a shell script that runs `script` (sh) around it: `$rclone "$@"` runs
   * the real one. Lets a test change what real rclone read or wrote at an exact step. The `rcd`
   * that renames files on the way is stopped with SIGTERM, which ends the shell, not the rclone
   * it waits for: a script that runs rclone without `exec` must exec or trap for `rcd`
   * (`execRcd`, `afterCopies`), or that rclone outlives the test.
   */
  async function wrappedRclone(script: string): Promise<string> {
    const path = join(dir.path, `rclone-${randomUUID().slice(0, 8)}.sh`);
    await writeFile(path, `#!/bin/sh\nrclone='${requireTool('rclone', process.env)}'\n${script}\n`, { mode: 0o755 });
    return path;
  }

  /** A wrapper script's first line: the real rclone in the shell's place for `rcd`. */
  const execRcd = `[ "$1" = rcd ] && exec "$rclone" "$@"`;

  /**
   * A wrapper script body that runs `action` after each rclone that copies: a batch's `copy`, and
   * the `rcd` that renames files on the way, once it is stopped (SIGTERM) after its copies.
   */
  const afterCopies = (action: string) =>
    [
      `if [ "$1" = rcd ]; then "$rclone" "$@" & pid=$!; trap 'kill $pid; wait $pid; ${action.replaceAll("'", `'"'"'`)}; exit 0' TERM; wait $pid; exit $?; fi`,
      `"$rclone" "$@"; rc=$?`,
      `[ "$1" = copy ] && ${action}`,
      'exit $rc',
    ].join('\n');

  /**
   * The real rclone, with each `rcd` (which copies files renamed on the way) waiting for a second
   * one (up to 2 s) and then copying at 3 MB/s: two batches that copy such files at once do so
   * at the same moment, slowly enough to overlap.
   */
  async function meetingRclone(): Promise<string> {
    const meet = join(dir.path, `meet-${randomUUID().slice(0, 8)}`);
    await mkdir(meet);
    return wrappedRclone(
      [
        `if [ "$1" = rcd ]; then touch '${meet}'/$$; i=0`,
        `  while [ "$(ls '${meet}' | wc -l)" -lt 2 ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done`,
        `  exec "$rclone" "$@" --bwlimit 3M; fi`,
        `exec "$rclone" "$@"`,
      ].join('\n'),
    );
  }

  /** Overwrites the first byte of `path` with X: same size, different SHA-256. */
  const spoil = (path: string) => `printf X | /bin/dd of='${path}' bs=1 count=1 conv=notrunc 2>/dev/null`;

  const transfersOf = (fileVersionId: string) =>
    db.dataSource.getRepository(TransferEntity).find({ where: { fileVersionId }, order: { createdAt: 'ASC', attempt: 'ASC', id: 'ASC' } });

  const versionsOf = (instrumentId: string) =>
    db.dataSource.getRepository(FileVersionEntity).find({ where: { instrumentId }, order: { path: 'ASC', version: 'ASC' } });

  /** What a run reports per destination, by storage location name: files it owed there / verified there. */
  async function perDestination(runId: string): Promise<Record<string, string>> {
    const rows = (await db.dataSource.query(
      `SELECT s.name, c.files_total, c.files_verified FROM harvest_run_destinations c JOIN storage_locations s ON s.id = c.storage_location_id
        WHERE c.run_id = $1`,
      [runId],
    )) as Array<{ name: string; files_total: string; files_verified: string }>;
    return Object.fromEntries(rows.map((r) => [r.name, `${r.files_verified}/${r.files_total}`]));
  }

  /** What a run recorded of its failed, held and deferred files, as its page lists them: [path, outcome, reason]. */
  async function recordedFailures(runId: string): Promise<Array<[string, string, string | null]>> {
    const rows = (await db.dataSource.query(
      `SELECT f.path, i.outcome, i.reason FROM harvest_items i JOIN file_versions f ON f.id = i.file_version_id
        WHERE i.run_id = $1 AND i.outcome IS NOT NULL ORDER BY f.path`,
      [runId],
    )) as Array<{ path: string; outcome: string; reason: string | null }>;
    return rows.map((r) => [r.path, r.outcome, r.reason]);
  }

  it('lands a nested tree byte-identical in every destination (posix and NFS), each file verified with one valid ARK', async () => {
    // The NFS destination's files are read without blocking the event loop (a hung mount must not stop heartbeats).
    const { instrument, sourceDir, landed } = await instrumentWith({ destinations: 2, nfs: [1] });
    const files: Record<string, Buffer> = {
      'plain.txt': Buffer.from('hello'),
      'empty.dat': Buffer.alloc(0),
      'with space/and ünïcode ✓.csv': Buffer.from('a,b\n1,2\n'),
      'deep/a/b/c/d/e/f/g/leaf.bin': Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, i) => (i * 31) % 251)),
    };
    await writeTree(sourceDir, files);

    // Two files per batch: the run has several batches.
    const { started, handle, outcome, progress, details, run } = await runHarvest(instrument.id, { batchFiles: 2 });

    const bytes = Object.values(files).reduce((sum, b) => sum + b.length, 0);
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 4, filesDone: 4, bytesDone: bytes, filesFailed: 0, batchesTotal: 2, batchesDone: 2 }) });
    for (const i of [0, 1]) {
      const tree = await landed(i);
      expect([...tree.keys()].sort()).toEqual(Object.keys(files).sort());
      for (const [path, content] of Object.entries(files)) expect(tree.get(path)?.equals(content)).toBe(true);
    }
    const versions = await versionsOf(instrument.id);
    expect(versions.map((v) => [v.path, v.status, v.sha256])).toEqual(
      Object.entries(files)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([path, content]) => [path, 'verified', sha256(content)]),
    );
    const arks = await db.dataSource.getRepository(ArkEntity).find({ where: versions.map((v) => ({ fileVersionId: v.id })) });
    expect(arks).toHaveLength(4);
    for (const a of arks) expect(isValidArk(a.ark)).toBe(true);
    const deliveries = await db.dataSource.getRepository(FileDeliveryEntity).find({ where: versions.map((v) => ({ fileVersionId: v.id })) });
    expect(deliveries).toHaveLength(8);
    for (const d of deliveries) {
      expect(d).toMatchObject({ status: 'verified', algorithm: 'sha256' });
      expect(d.destinationSha256).toBe(d.sourceSha256);
      expect(d.verifiedAt).toBeInstanceOf(Date);
    }
    expect(run).toMatchObject({ status: 'succeeded', phase: 'finished', filesTotal: '4', filesDone: '4', batchesTotal: 2, batchesDone: 2, error: null });
    expect(await perDestination(run.id)).toEqual({ [`${instrument.name}-0`]: '4/4', [`${instrument.name}-1`]: '4/4' });

    // Operators find and follow the run in the Temporal UI through these.
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(searchAttributes.instrument)).toBe(instrument.name);
    expect(description.typedSearchAttributes.get(searchAttributes.runId)).toBe(started.runId);
    expect(description.typedSearchAttributes.get(searchAttributes.phase)).toBe('finished');
    expect(await description.memo).toEqual({ instrument: instrument.name, runId: started.runId, trigger: 'api' });
    expect(progress).toMatchObject({ phase: 'finished', filesDone: 4 });
    // What its page there says: a line about the run, its progress, and what each activity does.
    expect(await description.staticSummary()).toBe(`Harvest of ${instrument.name} (api)`);
    const size = formatBytes(bytes);
    expect(details).toBe(`**finished** · 2 of 2 batches done\n\n4 of 4 files verified · ${size} of ${size}\n\nfailed 0 · held 0 · skipped 0 · deferred 0`);
    const summaries = (await handle.fetchHistory()).events
      ?.filter((event) => event.activityTaskScheduledEventAttributes)
      .map((event) => event.userMetadata?.summary && defaultPayloadConverter.fromPayload<string>(event.userMetadata.summary));
    // beginRun and finishRun are bookkeeping, without one.
    expect(summaries).toEqual([undefined, 'List the source and plan the batches', 'Copy, verify and catalogue batch 0', 'Copy, verify and catalogue batch 1', undefined]);

    // Saved for replay.spec.ts (CAPTURE_HISTORIES=1): today's workflow code must keep replaying this history.
    await captureHistory(handle, 'harvest-two-destinations');
  });

  it('starts batches while discovery still plans, each batch once, and lands the whole tree', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    const files = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`run/${String(i).padStart(2, '0')}.dat`, `file ${i}`]));
    await writeTree(sourceDir, files);

    // One file per batch: the plan comes in three pieces (4 batches, then 20, then 6).
    const { handle, outcome, run } = await runHarvest(instrument.id, { batchFiles: 1 });

    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 30, filesDone: 30, batchesTotal: 30, batchesDone: 30 }) });
    expect(run).toMatchObject({ status: 'succeeded', filesTotal: '30', filesDone: '30', batchesTotal: 30, batchesDone: 30 });
    expect([...(await landed()).keys()].sort()).toEqual(Object.keys(files).sort());

    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const discoverDone = events.findIndex((e) => e.activityTaskCompletedEventAttributes && events.some(
      (s) => s.eventId?.toString() === e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() && s.activityTaskScheduledEventAttributes?.activityType?.name === 'discover',
    ));
    const signals = events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'batchesPlanned');
    expect(signals).toHaveLength(3);
    // Each piece was announced before the discovery ended.
    for (const signal of signals) expect(events.indexOf(signal)).toBeLessThan(discoverDone);
    const batches = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'processBatch');
    expect(batches).toHaveLength(30);

    await captureHistory(handle, 'harvest-planned-in-pieces');
  });

  it('re-harvests an unchanged source without copying or minting, and keeps a changed file as a new version', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'a.csv': 'one', 'b.csv': 'two' });
    await runHarvest(instrument.id);
    const arksBefore = await db.dataSource.getRepository(ArkEntity).count();

    const again = await runHarvest(instrument.id);
    expect(again.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 0, filesDone: 0, batchesTotal: 0 }) });
    expect(await db.dataSource.getRepository(ArkEntity).count()).toBe(arksBefore);
    expect(await db.dataSource.getRepository(TransferEntity).countBy({ runId: again.started.runId })).toBe(0);

    await writeTree(sourceDir, { 'a.csv': 'one, changed' }, new Date('2026-02-01T00:00:00Z'));
    const changed = await runHarvest(instrument.id);
    expect(changed.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    const versions = await versionsOf(instrument.id);
    expect(versions.map((v) => [v.path, v.version, v.status])).toEqual([
      ['a.csv', 1, 'verified'],
      ['a.csv', 2, 'verified'],
      ['b.csv', 1, 'verified'],
    ]);
    const tree = await landed();
    // The earlier version stays where it was; the new one lands beside it.
    expect(tree.get('a.csv')?.toString()).toBe('one');
    expect(tree.get('a.v2.csv')?.toString()).toBe('one, changed');
    expect(await db.dataSource.getRepository(ArkEntity).count()).toBe(arksBefore + 1);
  });

  it('harvests files whose names hold control characters, which rclone lists as symbols (a tab as ␉)', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    const files = { 'tab\there.txt': 'tab', 'bell\u0007.dat': 'bell', 'looks like a tab ␉.txt': 'symbol', 'plain.txt': 'plain' };
    await writeTree(sourceDir, files);

    const { outcome } = await runHarvest(instrument.id);

    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 4, filesFailed: 0 }) });
    const tree = await landed();
    expect([...tree.keys()].sort()).toEqual(Object.keys(files).sort());
    for (const [name, content] of Object.entries(files)) expect(tree.get(name)?.toString()).toBe(content);
    // The catalogue keeps rclone's spelling, the one every later listing gives.
    expect((await versionsOf(instrument.id)).map((v) => v.path).sort()).toEqual(['bell␇.dat', 'looks like a tab ‛␉.txt', 'plain.txt', 'tab␉here.txt']);
  });

  it('fails a file whose name is not valid UTF-8 with a reason that says so, and harvests the others', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'good.txt': 'good' });
    // A name holding the byte 0xff, which no UTF-8 text can: rclone lists it with U+FFFD.
    const badName = Buffer.concat([Buffer.from(`${sourceDir}/bad`), Buffer.from([0xff]), Buffer.from('name.txt')]);
    await writeFile(badName, 'bad');
    await utimes(badName, OLD, OLD);

    const { outcome } = await runHarvest(instrument.id);

    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesDone: 1, filesFailed: 1 }) });
    expect([...(await landed()).keys()]).toEqual(['good.txt']);
    const bad = (await versionsOf(instrument.id)).find((v) => v.path !== 'good.txt');
    expect(bad).toMatchObject({ path: 'bad\uFFFDname.txt', status: 'failed', reason: expect.stringContaining('not valid UTF-8') });
  });

  it('gives a destination added later the versions verified before it, keeping their ARKs, and retries a copy that failed', async () => {
    const { instrument, sourceDir } = await instrumentWith();
    await writeTree(sourceDir, { 'a.txt': 'first', 'b.txt': 'second' });
    await runHarvest(instrument.id);
    const before = await versionsOf(instrument.id);
    const arksBefore = await db.dataSource.getRepository(ArkEntity).find({ where: before.map((v) => ({ fileVersionId: v.id })), order: { fileVersionId: 'ASC' } });
    expect(arksBefore).toHaveLength(2);

    // A second destination, where a different b.txt is already in the way.
    const { root: laterRoot, storage: later } = await addLaterDestination(instrument);
    await writeTree(join(laterRoot, instrument.name), { 'b.txt': 'not ours' });

    const first = await runHarvest(instrument.id);
    expect(first.outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesTotal: 2, filesDone: 1, filesFailed: 1 }) });
    // The run owed the first destination nothing: it holds both files already.
    expect(await perDestination(first.run.id)).toEqual({ [`${instrument.name}-0`]: '0/0', [`${instrument.name}-later`]: '1/2' });
    let tree = await readTree(join(laterRoot, instrument.name));
    expect(tree.get('a.txt')?.toString()).toBe('first');
    expect(tree.get('b.txt')?.toString()).toBe('not ours');
    // Both versions keep their verdict, time and ARK; no second ARK is minted.
    const after = await versionsOf(instrument.id);
    expect(after.map((v) => [v.path, v.status, v.verifiedAt?.toISOString()])).toEqual(before.map((v) => [v.path, 'verified', v.verifiedAt?.toISOString()]));
    expect(await db.dataSource.getRepository(ArkEntity).find({ where: before.map((v) => ({ fileVersionId: v.id })), order: { fileVersionId: 'ASC' } })).toEqual(arksBefore);
    const failed = await db.dataSource.getRepository(FileDeliveryEntity).findOneByOrFail({ fileVersionId: after[1].id, storageLocationId: later.id });
    expect(failed).toMatchObject({ status: 'failed', reason: expect.stringContaining('a different file already exists at') });
    const firstFailures = [['b.txt', 'failed', `verified, but not delivered to ${later.name}: ${failed.reason}; the next run tries again`]];
    expect(await recordedFailures(first.run.id)).toEqual(firstFailures);

    // The way is cleared: the next run retries the failed copy, and only that one.
    await rm(join(laterRoot, instrument.name, 'b.txt'));
    const retry = await runHarvest(instrument.id);
    expect(retry.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 1, filesDone: 1, filesFailed: 0 }) });
    expect(await perDestination(retry.run.id)).toEqual({ [`${instrument.name}-0`]: '0/0', [`${instrument.name}-later`]: '1/1' });
    tree = await readTree(join(laterRoot, instrument.name));
    expect(tree.get('b.txt')?.toString()).toBe('second');
    const deliveries = await db.dataSource.getRepository(FileDeliveryEntity).findBy({ storageLocationId: later.id });
    expect(deliveries.map((d) => [d.status, d.reason])).toEqual([
      ['verified', null],
      ['verified', null],
    ]);
    // The first run still says what went wrong in it.
    expect(await recordedFailures(first.run.id)).toEqual(firstFailures);
    expect(await recordedFailures(retry.run.id)).toEqual([]);

    const quiet = await runHarvest(instrument.id);
    expect(quiet.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 0 }) });
    expect(await db.dataSource.getRepository(ArkEntity).count({ where: before.map((v) => ({ fileVersionId: v.id })) })).toBe(2);
  });

  it('verifies, with one ARK, a file that failed only at a destination detached since, instead of failing it on every run', async () => {
    const { instrument, sourceDir } = await instrumentWith();
    const { root: laterRoot, storage: later } = await addLaterDestination(instrument);
    await writeTree(sourceDir, { 'a.txt': 'first', 'b.txt': 'second', 'c.txt': 'third' });
    // Different files in the way at the second destination: b.txt and c.txt are verified at the first only.
    await writeTree(join(laterRoot, instrument.name), { 'b.txt': 'not ours', 'c.txt': 'not ours either' });
    const first = await runHarvest(instrument.id);
    expect(first.outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesDone: 1, filesFailed: 2 }) });
    expect((await versionsOf(instrument.id)).map((v) => [v.path, v.status])).toEqual([
      ['a.txt', 'verified'],
      ['b.txt', 'failed'],
      ['c.txt', 'failed'],
    ]);

    // The admin detaches the second destination (PATCH destinations without it deletes its row),
    // and a filter now leaves c.txt out: it is skipped, not verified.
    await db.dataSource.getRepository(InstrumentDestinationEntity).delete({ instrumentId: instrument.id, storageLocationId: later.id });
    await db.dataSource
      .getRepository(HookEntity)
      .save({ name: 'not c', phase: 'pre', kind: 'filter', config: { exclude: ['c.txt'] }, instrumentId: instrument.id, priority: 1, enabled: true });
    const next = await runHarvest(instrument.id);
    expect(next.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 2, filesDone: 1, filesFailed: 0, filesSkipped: 1 }) });
    const versions = await versionsOf(instrument.id);
    expect(versions.map((v) => [v.path, v.status])).toEqual([
      ['a.txt', 'verified'],
      ['b.txt', 'verified'],
      ['c.txt', 'skipped'],
    ]);
    expect(await db.dataSource.getRepository(ArkEntity).count({ where: { fileVersionId: versions[2].id } })).toBe(0);
    expect(await db.dataSource.getRepository(ArkEntity).count({ where: { fileVersionId: versions[1].id } })).toBe(1);
    // Nothing was copied again: its one verified copy is the first run's.
    expect((await transfersOf(versions[1].id)).map((t) => [t.runId, t.status]).sort()).toEqual(
      [
        [first.run.id, 'mismatch'],
        [first.run.id, 'verified'],
      ].sort(),
    );
    expect((await runHarvest(instrument.id)).outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 0 }) });
  });

  it('re-copies a copy whose SHA-256 differs from the source once, and verifies the second copy', async () => {
    const { instrument, sourceDir, roots, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'data.bin': 'the instrument wrote this' });
    // The batch's rclone copy writes a bad copy; the one re-copy (through rclone rcd) is left alone.
    const rclone = await wrappedRclone(`${execRcd}\n"$rclone" "$@"; rc=$?\n[ "$1" = copy ] && ${spoil(join(roots[0], instrument.name, 'data.bin'))}\nexit $rc`);

    const { outcome } = await runHarvest(instrument.id, { rcloneBinary: rclone });

    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1, filesFailed: 0 }) });
    expect((await landed()).get('data.bin')?.toString()).toBe('the instrument wrote this');
    const [version] = await versionsOf(instrument.id);
    expect(version).toMatchObject({ status: 'verified', sha256: sha256(Buffer.from('the instrument wrote this')) });
    expect((await transfersOf(version.id)).map((t) => [t.attempt, t.status, t.sourceSha256, t.destinationSha256])).toEqual([
      [1, 'mismatch', version.sha256, sha256(Buffer.from('Xhe instrument wrote this'))],
      [2, 'verified', version.sha256, version.sha256],
    ]);
    expect(await db.dataSource.getRepository(ArkEntity).countBy({ fileVersionId: version.id })).toBe(1);
  });

  it('re-copies its own bad copy when rclone said something else than "another file is there" about it', async () => {
    const { instrument, sourceDir, roots, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'data.bin': 'the instrument wrote this' });
    // The copy goes bad and rclone logs an error about the file (a write it retried), exit 1.
    const said = `{"level":"error","msg":"Failed to copy: write: connection reset by peer","object":"data.bin","objectType":"*local.Object"}`;
    const rclone = await wrappedRclone(
      `${execRcd}\n"$rclone" "$@"\nif [ "$1" = copy ]; then ${spoil(join(roots[0], instrument.name, 'data.bin'))}; echo '${said}' >&2; exit 1; fi`,
    );
    const { outcome } = await runHarvest(instrument.id, { rcloneBinary: rclone });
    // Before, any error about the file marked the bad copy someone else's: failed, "a different file already exists", left there.
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1, filesFailed: 0 }) });
    expect((await landed()).get('data.bin')?.toString()).toBe('the instrument wrote this');
  });

  it("never touches someone else's file that appeared at the path, whatever rclone said of it after refusing it", async () => {
    const { instrument, sourceDir, roots } = await instrumentWith();
    await writeTree(sourceDir, { 'data.bin': 'the instrument wrote this' });
    const target = join(roots[0], instrument.name, 'data.bin');
    // Someone writes the path after the batch looked; rclone's --immutable refuses it, then says
    // something else about the file (a retry that failed another way).
    const later = `{"level":"error","msg":"Failed to copy: connection reset by peer","object":"data.bin","objectType":"*local.Object"}`;
    const rclone = await wrappedRclone(
      `${execRcd}\nif [ "$1" = copy ]; then mkdir -p '${dirname(target)}'; printf 'foreign' > '${target}'; "$rclone" "$@"; echo '${later}' >&2; exit 1; fi\nexec "$rclone" "$@"`,
    );
    const { run } = await runHarvest(instrument.id, { rcloneBinary: rclone });
    expect(await recordedFailures(run.id)).toEqual([['data.bin', 'failed', expect.stringContaining('a different file already exists')]]);
    expect(await readFile(target, 'utf8')).toBe('foreign');
  });

  it('fails a file whose re-copy differs too, with both hashes, removes the bad copy, and the next run delivers it', async () => {
    const { instrument, sourceDir, roots, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'data.bin': 'the instrument wrote this' });
    const rclone = await wrappedRclone(afterCopies(spoil(join(roots[0], instrument.name, 'data.bin'))));

    const first = await runHarvest(instrument.id, { rcloneBinary: rclone });

    expect(first.outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesDone: 0, filesFailed: 1 }) });
    const [version] = await versionsOf(instrument.id);
    expect(version).toMatchObject({ status: 'failed', reason: 'SHA-256 of the copy differs from the source after a re-copy' });
    const both = [sha256(Buffer.from('the instrument wrote this')), sha256(Buffer.from('Xhe instrument wrote this'))];
    expect((await transfersOf(version.id)).map((t) => [t.attempt, t.status, t.sourceSha256, t.destinationSha256])).toEqual([
      [1, 'mismatch', ...both],
      [2, 'mismatch', ...both],
    ]);
    expect(await db.dataSource.getRepository(ArkEntity).countBy({ fileVersionId: version.id })).toBe(0);
    // A copy of ours that failed verification does not stay: the next run would take it for someone else's file.
    expect([...(await landed()).keys()]).toEqual([]);

    const second = await runHarvest(instrument.id);
    expect(second.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    expect((await landed()).get('data.bin')?.toString()).toBe('the instrument wrote this');
    expect(await db.dataSource.getRepository(ArkEntity).countBy({ fileVersionId: version.id })).toBe(1);
    // The version is verified now; the first run keeps the reason it failed there.
    expect(await recordedFailures(first.run.id)).toEqual([['data.bin', 'failed', 'SHA-256 of the copy differs from the source after a re-copy']]);
    expect(await recordedFailures(second.run.id)).toEqual([]);
  });

  it('says in a failed file\'s reason why rclone could not copy it', async () => {
    const { instrument, sourceDir, roots } = await instrumentWith();
    await writeTree(sourceDir, { 'run 1/data.bin': 'cannot land', 'other.bin': 'lands' });
    // A file stands where the destination needs the folder "run 1".
    await mkdir(join(roots[0], instrument.name), { recursive: true });
    await writeFile(join(roots[0], instrument.name, 'run 1'), 'in the way');

    const { outcome } = await runHarvest(instrument.id);

    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesDone: 1, filesFailed: 1 }) });
    const failed = (await versionsOf(instrument.id)).find((v) => v.path === 'run 1/data.bin');
    // rclone's words: the copy's log line about the file, then the re-copy's failure.
    expect((await transfersOf(failed!.id)).map((t) => [t.attempt, t.status, t.error])).toEqual([
      [1, 'failed', expect.stringMatching(/^the copy is missing at the destination \(rclone: Failed to copy: .*run 1: not a directory\)$/)],
      // The re-copy's look at the destination path fails first (rclone's lstat of it).
      [2, 'failed', expect.stringMatching(/^the copy is missing after a re-copy \(rclone copyfile run 1\/data\.bin failed: lstat .*run 1\/data\.bin: not a directory\)$/)],
    ]);
    expect(failed?.reason).toBe((await transfersOf(failed!.id))[1].error);
  });

  it('removes the bad copies of a batch even when its run is cancelled while removing them, so the next run delivers the files', async () => {
    const { instrument, sourceDir, roots, landed } = await instrumentWith();
    const files = { 'a.bin': 'the instrument wrote a', 'b.bin': 'the instrument wrote b' };
    await writeTree(sourceDir, files);
    const landing = join(roots[0], instrument.name);
    const removing = join(dir.path, `${instrument.name}-removing`);
    // Every copy and re-copy goes bad; the removal of the bad copies takes long enough for the
    // cancel to reach the batch while it runs.
    const rclone = await wrappedRclone(
      [
        `if [ "$1" = delete ]; then touch '${removing}'; sleep 8; exec "$rclone" "$@"; fi`,
        afterCopies(`for f in '${landing}'/*.bin; do printf X | /bin/dd of="$f" bs=1 count=1 conv=notrunc 2>/dev/null; done`),
      ].join('\n'),
    );
    const { run } = await cancelledHarvest(instrument.id, () => exists(removing), { rcloneBinary: rclone });
    expect(run.status).toBe('cancelled');
    expect([...(await landed()).keys()]).toEqual([]);

    const next = await runHarvest(instrument.id);
    expect(next.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 2, filesFailed: 0 }) });
    // The copies removed while cancelled are owed again, and delivered.
    expect(await perDestination(next.run.id)).toEqual({ [`${instrument.name}-0`]: '2/2' });
    const tree = await landed();
    for (const [path, content] of Object.entries(files)) expect(tree.get(path)?.toString()).toBe(content);
  });

  it.each([
    // Seen when the batch hashes the source, which it does while copying.
    ['right after the listing', (append: string) => `${execRcd}\n"$rclone" "$@"; rc=$?\n[ "$1" = lsjson ] && ${append}\nexit $rc`],
    // After the batch hashed the source (a few files: well within the second), before rclone reads it.
    ['while it is copied, after it was hashed', (append: string) => `[ "$1" = copy ] && sleep 1 && ${append}\nexec "$rclone" "$@"`],
  ])('defers a file that changes %s, removes its copy, and takes it as it is on the next run, superseding the first version', async (_when, script) => {
    const { instrument, sourceDir, landed } = await instrumentWith({ minAgeSeconds: 0 });
    await writeTree(sourceDir, { 'stable.txt': 'done', 'growing.log': 'line 1\n' });
    const growing = join(sourceDir, 'growing.log');
    const rclone = await wrappedRclone(script(`printf 'line 2\\n' >> '${growing}'`));

    const first = await runHarvest(instrument.id, { rcloneBinary: rclone });

    expect(first.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1, filesDeferred: 1, filesFailed: 0 }) });
    const before = await versionsOf(instrument.id);
    expect(before.map((v) => [v.path, v.status])).toEqual([
      ['growing.log', 'pending'],
      ['stable.txt', 'verified'],
    ]);
    expect(before[0].reason).toContain('changed while being harvested');
    expect(await db.dataSource.getRepository(ArkEntity).countBy({ fileVersionId: before[0].id })).toBe(0);
    expect([...(await landed()).keys()]).toEqual(['stable.txt']);
    const deferred = [['growing.log', 'deferred', 'changed while being harvested; taken by a later run']];
    expect(await recordedFailures(first.run.id)).toEqual(deferred);

    const second = await runHarvest(instrument.id);
    expect(second.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    // The first run still says what became of the file in it.
    expect(await recordedFailures(first.run.id)).toEqual(deferred);
    expect(await recordedFailures(second.run.id)).toEqual([]);
    const after = await versionsOf(instrument.id);
    expect(after.map((v) => [v.path, v.version, v.status])).toEqual([
      ['growing.log', 1, 'skipped'],
      ['growing.log', 2, 'verified'],
      ['stable.txt', 1, 'verified'],
    ]);
    // The first version no longer waits for a run that will never take it.
    expect(after[0].reason).toContain('superseded');
    expect((await landed()).get('growing.v2.log')?.toString()).toBe('line 1\nline 2\n');
  });

  it('does not fail a file moved away on the instrument between the listing and the copy, and takes it again if it comes back', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'a.raw': 'stays', 'scan/b.raw': 'moved by its owner' });
    const moved = join(dir.path, `${instrument.name}-b.raw`);
    // Someone tidies the instrument's folder just as the copies start.
    const rclone = await wrappedRclone(`[ "$1" = copy ] && [ -e '${sourceDir}/scan/b.raw' ] && mv '${sourceDir}/scan/b.raw' '${moved}'\nexec "$rclone" "$@"`);

    const first = await runHarvest(instrument.id, { rcloneBinary: rclone });
    expect(first.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1, filesFailed: 0, filesDeferred: 1 }) });
    expect([...(await landed()).keys()]).toEqual(['a.raw']);
    const gone = (await versionsOf(instrument.id)).find((v) => v.path === 'scan/b.raw');
    expect(gone).toMatchObject({ status: 'pending', reason: 'gone from the source before it was copied (moved or deleted on the instrument); taken if it is listed again' });
    expect(await transfersOf(gone!.id)).toEqual([]);
    expect(await recordedFailures(first.run.id)).toEqual([['scan/b.raw', 'deferred', gone!.reason]]);

    // Put back as it was (same size and time): the next run takes the same version.
    await rename(moved, join(sourceDir, 'scan/b.raw'));
    const second = await runHarvest(instrument.id);
    expect(second.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1, filesFailed: 0, filesDeferred: 0 }) });
    expect([...(await landed()).keys()].sort()).toEqual(['a.raw', 'scan/b.raw']);
    expect((await versionsOf(instrument.id)).map((v) => [v.path, v.version, v.status])).toEqual([
      ['a.raw', 1, 'verified'],
      ['scan/b.raw', 1, 'verified'],
    ]);
  });

  it.each([
    ['while the source is listed', 'lsjson'],
    ['while the files are copied', 'copy'],
  ])('survives losing every database connection %s (a PostgreSQL restart): the run completes, each file once with one ARK', async (_when, step) => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    const files = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`run/${i}.raw`, `sample ${i}`]));
    await writeTree(sourceDir, files);
    const paused = join(dir.path, `${instrument.name}-paused`);
    const resume = join(dir.path, `${instrument.name}-resume`);
    // The first time rclone runs this step, it waits while the test cuts the connections.
    const rclone = await wrappedRclone(
      `if [ "$1" = ${step} ] && [ ! -e '${paused}' ]; then touch '${paused}'; while [ ! -e '${resume}' ]; do sleep 0.05; done; fi\nexec "$rclone" "$@"`,
    );
    const { worker, taskQueue } = await startWorker({ rcloneBinary: rclone, batchFiles: 3 });
    const started = await startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId: instrument.id, trigger: 'api' });
    const outcome = await worker.runUntil(async () => {
      while (!(await exists(paused))) await new Promise((r) => setTimeout(r, 50));
      const [{ cut }] = (await db.dataSource.query(
        `SELECT count(pg_terminate_backend(pid))::int AS cut FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      )) as Array<{ cut: number }>;
      expect(cut).toBeGreaterThan(0);
      await writeFile(resume, '');
      return env.client.workflow.getHandle(started.workflowId).result();
    });

    expect(outcome).toMatchObject({ status: 'succeeded', filesDone: 8, filesFailed: 0 });
    const tree = await landed();
    expect([...tree.keys()].sort()).toEqual(Object.keys(files).sort());
    for (const [path, content] of Object.entries(files)) expect(tree.get(path)?.toString()).toBe(content);
    const versions = await versionsOf(instrument.id);
    expect(versions.map((v) => [v.path, v.status])).toEqual(Object.keys(files).sort().map((path) => [path, 'verified']));
    const arks = await db.dataSource.getRepository(ArkEntity).find({ where: { fileVersionId: In(versions.map((v) => v.id)) } });
    expect(arks).toHaveLength(8);
  });

  it('never removes a file another version put at the same destination path (a redirect sends two files to one name)', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'a/x.raw': 'first camera', 'b/x.raw': 'second camera, other bytes' });
    await db.dataSource.getRepository(HookEntity).save({
      name: 'flatten',
      phase: 'pre',
      kind: 'filter',
      config: { redirect: [{ match: '**/x.raw', to: 'raw/{name}' }] },
      instrumentId: instrument.id,
      priority: 5,
      enabled: true,
    });

    const first = await runHarvest(instrument.id);
    expect(first.outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesDone: 1, filesFailed: 1 }) });
    const versions = await versionsOf(instrument.id);
    const verified = versions.filter((v) => v.status === 'verified');
    expect(verified).toHaveLength(1);
    const [loser] = versions.filter((v) => v.status === 'failed');
    expect(loser.reason).toBe(`another file (a/x.raw of instrument ${instrument.name}) was being copied to ${instrument.name}/raw/x.raw; this one was not copied there`);
    // What lies there is the verified version's bytes, as catalogued.
    const tree = await landed();
    expect([...tree.keys()]).toEqual(['raw/x.raw']);
    expect(sha256(tree.get('raw/x.raw')!)).toBe(verified[0].sha256);

    // The next run leaves it alone too.
    const second = await runHarvest(instrument.id);
    expect(second.outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesDone: 0, filesFailed: 1 }) });
    expect((await versionsOf(instrument.id)).find((v) => v.id === loser.id)?.reason).toBe(`a different file already exists at ${instrument.name}/raw/x.raw; it was left untouched`);
    expect(sha256((await landed()).get('raw/x.raw')!)).toBe(verified[0].sha256);
  });

  it('lands every file under a template that renames them ({name}), the first of two same names taking the path', async () => {
    const { instrument, sourceDir, roots } = await instrumentWith();
    await db.dataSource.getRepository(InstrumentDestinationEntity).update({ instrumentId: instrument.id }, { pathTemplate: 'flat/{stem}-{version}{ext}' });
    const files: Record<string, string> = { 'run 2/frame-0.tif': 'same name, second run' };
    for (let i = 0; i < 60; i++) files[`run 1/frame-${i}.tif`] = `frame ${i}`;
    await writeTree(sourceDir, files);

    const { outcome } = await runHarvest(instrument.id);

    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesDone: 60, filesFailed: 1, batchesTotal: 1 }) });
    const tree = await readTree(join(roots[0], 'flat'));
    expect(tree.size).toBe(60);
    for (let i = 0; i < 60; i++) expect(tree.get(`frame-${i}-1.tif`)?.toString()).toBe(`frame ${i}`);
    const loser = (await versionsOf(instrument.id)).find((v) => v.path === 'run 2/frame-0.tif');
    expect(loser).toMatchObject({ status: 'failed', reason: `another file (run 1/frame-0.tif of instrument ${instrument.name}) was being copied to flat/frame-0-1.tif; this one was not copied there` });
  });

  it('gives a destination path to one of two files copied to it at the same moment by two batches, and leaves the other for later', async () => {
    const { instrument, sourceDir, roots } = await instrumentWith();
    await db.dataSource.getRepository(InstrumentDestinationEntity).update({ instrumentId: instrument.id }, { pathTemplate: 'flat/{name}' });
    const files = { 'a/x.raw': randomBytes(3 * 1024 ** 2), 'b/x.raw': randomBytes(3 * 1024 ** 2) };
    await writeTree(sourceDir, files);
    // Both would find flat/x.raw free and copy over each other. Before batches claimed their
    // paths, both copies landed, the loser's re-copy replaced the winner's verified copy, and its
    // clean-up then removed the file: the catalogue held a verified delivery and an ARK for a
    // path with nothing at it.
    const rclone = await meetingRclone();

    const { outcome, run } = await runHarvest(instrument.id, { batchFiles: 1, rcloneBinary: rclone });

    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesDone: 1, filesFailed: 1, batchesTotal: 2 }) });
    const versions = await versionsOf(instrument.id);
    const [winner] = versions.filter((v) => v.status === 'verified');
    const [loser] = versions.filter((v) => v.status === 'failed');
    expect(winner.sha256).toBe(sha256(files[winner.path as keyof typeof files]));
    // What lies at the path is the verified version's bytes, and only one delivery claims it.
    const tree = await readTree(roots[0]);
    expect([...tree.keys()]).toEqual(['flat/x.raw']);
    expect(sha256(tree.get('flat/x.raw')!)).toBe(winner.sha256);
    const deliveries = await db.dataSource.getRepository(FileDeliveryEntity).findBy({ fileVersionId: In(versions.map((v) => v.id)), status: 'verified' });
    expect(deliveries).toEqual([expect.objectContaining({ fileVersionId: winner.id, destinationPath: 'flat/x.raw' })]);
    expect(loser.reason).toBe(`another file (${winner.path} of instrument ${instrument.name}) was being copied to flat/x.raw; this one was not copied there`);
    expect(await db.dataSource.getRepository(ArkEntity).countBy({ fileVersionId: In(versions.map((v) => v.id)) })).toBe(1);
    expect(await db.dataSource.query(`SELECT * FROM destination_claims WHERE run_id = $1`, [run.id])).toEqual([]);

    // The next run finds the path taken and leaves the verified copy alone.
    const again = await runHarvest(instrument.id);
    expect(again.outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesDone: 0, filesFailed: 1 }) });
    expect((await versionsOf(instrument.id)).find((v) => v.id === loser.id)?.reason).toBe('a different file already exists at flat/x.raw; it was left untouched');
    expect(sha256((await readTree(roots[0])).get('flat/x.raw')!)).toBe(winner.sha256);
  });

  it('gives a path where two instruments\' templates meet to one of two files harvested at the same moment, and leaves the other untouched', async () => {
    const a = await instrumentWith();
    const b = await instrumentWith();
    const links = db.dataSource.getRepository(InstrumentDestinationEntity);
    // Both deliver to instrument a's storage location, both under shared/{name}.
    const [shared] = await links.findBy({ instrumentId: a.instrument.id });
    await links.update({ instrumentId: a.instrument.id }, { pathTemplate: 'shared/{name}' });
    await links.update({ instrumentId: b.instrument.id }, { pathTemplate: 'shared/{name}', storageLocationId: shared.storageLocationId });
    const files = [randomBytes(3 * 1024 ** 2), randomBytes(3 * 1024 ** 2)];
    await writeTree(a.sourceDir, { 'run 1/frame.tif': files[0] });
    await writeTree(b.sourceDir, { 'run 9/frame.tif': files[1] });
    const { worker, taskQueue } = await startWorker({ rcloneBinary: await meetingRclone() });
    const { started, outcomes } = await worker.runUntil(async () => {
      const started = await Promise.all(
        [a, b].map((x) => startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId: x.instrument.id, trigger: 'api' })),
      );
      return { started, outcomes: await Promise.all(started.map((s) => env.client.workflow.getHandle(s.workflowId).result())) };
    });

    expect(outcomes.map((o) => o.filesDone).sort()).toEqual([0, 1]);
    const versions = await db.dataSource.getRepository(FileVersionEntity).findBy({ instrumentId: In([a.instrument.id, b.instrument.id]) });
    const winner = versions.find((v) => v.status === 'verified')!;
    const loser = versions.find((v) => v.status === 'failed')!;
    const winnerName = winner.instrumentId === a.instrument.id ? a.instrument.name : b.instrument.name;
    expect(loser.reason).toBe(`another file (${winner.path} of instrument ${winnerName}) was being copied to shared/frame.tif; this one was not copied there`);
    const loserRun = started[outcomes.findIndex((o) => o.filesDone === 0)].runId;
    expect(await recordedFailures(loserRun)).toEqual([[loser.path, 'failed', loser.reason]]);
    const tree = await readTree(a.roots[0]);
    expect([...tree.keys()]).toEqual(['shared/frame.tif']);
    expect(sha256(tree.get('shared/frame.tif')!)).toBe(winner.sha256);
  });

  it('defers a file still inside the quiet period, then takes it on a later run', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith({ minAgeSeconds: 3600 });
    await writeTree(sourceDir, { 'settled.txt': 'old' });
    await writeTree(sourceDir, { 'being-written.txt': 'new' }, new Date());

    const first = await runHarvest(instrument.id);
    expect(first.outcome).toEqual({ value: expect.objectContaining({ filesDone: 1, filesDeferred: 1 }) });
    expect([...(await landed()).keys()]).toEqual(['settled.txt']);

    await utimes(join(sourceDir, 'being-written.txt'), OLD, OLD);
    const second = await runHarvest(instrument.id);
    expect(second.outcome).toEqual({ value: expect.objectContaining({ filesDone: 1, filesDeferred: 0 }) });
    expect([...(await landed()).keys()].sort()).toEqual(['being-written.txt', 'settled.txt']);
  });

  it('never overwrites a different file at the destination, fails it with both hashes, and retries it on the next run', async () => {
    const { instrument, sourceDir, roots, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'result.txt': 'from the instrument' });
    await writeTree(join(roots[0], instrument.name), { 'result.txt': 'something else' });

    const first = await runHarvest(instrument.id);
    expect(first.outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesFailed: 1, filesDone: 0 }) });
    expect((await landed()).get('result.txt')?.toString()).toBe('something else');
    const [version] = await versionsOf(instrument.id);
    expect(version).toMatchObject({ status: 'failed', reason: expect.stringContaining('a different file already exists') });
    const [transfer] = await db.dataSource.getRepository(TransferEntity).findBy({ fileVersionId: version.id });
    expect(transfer).toMatchObject({
      status: 'mismatch',
      sourceSha256: sha256(Buffer.from('from the instrument')),
      destinationSha256: sha256(Buffer.from('something else')),
    });
    expect(await db.dataSource.getRepository(ArkEntity).countBy({ fileVersionId: version.id })).toBe(0);

    await rm(join(roots[0], instrument.name, 'result.txt'));
    const second = await runHarvest(instrument.id);
    expect(second.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    expect((await landed()).get('result.txt')?.toString()).toBe('from the instrument');
    expect(await db.dataSource.getRepository(ArkEntity).countBy({ fileVersionId: version.id })).toBe(1);
  });

  it('gives a destination added later a version that a failing pre-hook held back, once the hook works again', async () => {
    const { instrument, sourceDir } = await instrumentWith();
    await writeTree(sourceDir, { 'a.txt': 'first' });
    await runHarvest(instrument.id);
    const { root: laterRoot, storage: later } = await addLaterDestination(instrument);
    const hook = await db.dataSource.getRepository(HookEntity).save({
      name: 'checksum service down',
      phase: 'pre',
      kind: 'command',
      config: { command: [process.execPath, '-e', 'process.exit(3)'] },
      instrumentId: instrument.id,
      priority: 10,
      enabled: true,
    });

    const held = await runHarvest(instrument.id);
    expect(held.outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesTotal: 1, filesDone: 0, filesFailed: 1 }) });
    expect(await readTree(join(laterRoot, instrument.name))).toEqual(new Map());
    // The version keeps its verdict; the copy it lacks is recorded as failed, with the hook's reason.
    const [version] = await versionsOf(instrument.id);
    expect(version).toMatchObject({ status: 'verified' });
    expect(await db.dataSource.getRepository(FileDeliveryEntity).findOneByOrFail({ fileVersionId: version.id, storageLocationId: later.id })).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^held by a pre-hook: command .* exited with code 3/),
    });

    const heldFailures = [['a.txt', 'failed', expect.stringMatching(new RegExp(`^verified, but not delivered to ${later.name}: held by a pre-hook: command .* exited with code 3.*; the next run tries again$`))]];
    expect(await recordedFailures(held.run.id)).toEqual(heldFailures);

    await db.dataSource.getRepository(HookEntity).update({ id: hook.id }, { enabled: false });
    const delivered = await runHarvest(instrument.id);
    expect(delivered.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 1, filesDone: 1, filesFailed: 0 }) });
    expect((await readTree(join(laterRoot, instrument.name))).get('a.txt')?.toString()).toBe('first');
    expect(await recordedFailures(held.run.id)).toEqual(heldFailures);
    expect(await recordedFailures(delivered.run.id)).toEqual([]);
  });

  it('counts a version verified before that a filter now excludes as skipped, not failed, when a destination is added', async () => {
    const { instrument, sourceDir } = await instrumentWith();
    await writeTree(sourceDir, { 'a.raw': 'data', 'b.tmp': 'scratch' });
    await runHarvest(instrument.id);
    await db.dataSource.getRepository(HookEntity).save({ name: 'no temp files', phase: 'pre', kind: 'filter', config: { exclude: ['**/*.tmp'] }, instrumentId: instrument.id, priority: 10, enabled: true });
    const { root: laterRoot } = await addLaterDestination(instrument);

    const { outcome } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 2, filesDone: 1, filesSkipped: 1, filesFailed: 0 }) });
    expect([...(await readTree(join(laterRoot, instrument.name))).keys()]).toEqual(['a.raw']);
    // b.tmp keeps its verdict (and its copy at the first destination).
    expect((await versionsOf(instrument.id)).map((v) => [v.path, v.status])).toEqual([
      ['a.raw', 'verified'],
      ['b.tmp', 'verified'],
    ]);
  });

  it('applies filter hooks, and a hook that fails holds the file instead of letting it through', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'keep.raw': 'data', 'scratch.tmp': 'temp', 'odd.raw': 'x' });
    const hooks = db.dataSource.getRepository(HookEntity);
    await hooks.save({ name: 'no temp files', phase: 'pre', kind: 'filter', config: { exclude: ['**/*.tmp'] }, instrumentId: instrument.id, priority: 10, enabled: true });
    await hooks.save({
      name: 'broken command',
      phase: 'pre',
      kind: 'command',
      config: { command: [process.execPath, '-e', 'process.exit(3)'] },
      instrumentId: instrument.id,
      priority: 20,
      enabled: true,
    });

    const { outcome, run } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ value: expect.objectContaining({ filesSkipped: 1, filesHeld: 2, filesDone: 0 }) });
    expect([...(await landed()).keys()]).toEqual([]);
    const versions = await versionsOf(instrument.id);
    expect(versions.find((v) => v.path === 'scratch.tmp')).toMatchObject({ status: 'skipped', reason: expect.stringContaining('*.tmp') });
    expect(versions.find((v) => v.path === 'keep.raw')).toMatchObject({ status: 'held', reason: expect.any(String) });
    // The run lists the held files with their reason; a skipped file is not a failure.
    const heldReason = versions.find((v) => v.path === 'keep.raw')!.reason;
    expect(await recordedFailures(run.id)).toEqual([
      ['keep.raw', 'held', heldReason],
      ['odd.raw', 'held', heldReason],
    ]);
  });

  it('holds the files when a webhook pre-hook fails on every attempt of the batch, and the run still ends; the next run takes them', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'a.raw': 'alpha', 'b.raw': 'beta' });
    let down = true;
    let calls = 0;
    const receiver = createServer((req, res) => {
      calls++;
      req.resume();
      req.on('end', () => (down ? res.writeHead(503).end('maintenance') : res.writeHead(204).end()));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const box = SecretBox.fromBase64(randomBytes(32).toString('base64'));
      await db.dataSource.getRepository(HookEntity).save({
        name: 'gate',
        phase: 'pre',
        kind: 'webhook',
        config: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/gate` },
        secretSealed: box.seal('signing-key'),
        instrumentId: instrument.id,
        priority: 10,
        enabled: true,
      });
      // A short heartbeat timeout also starts the batch's retries 1 s apart (then 2, 4, 8 s: 5 attempts).
      const tuning = { heartbeatTimeoutSeconds: 5 };
      const { outcome, run } = await runHarvest(instrument.id, { secretBox: box, tuning });
      expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesHeld: 2, filesDone: 0, filesFailed: 0 }) });
      expect(calls).toBe(5);
      expect([...(await landed()).keys()]).toEqual([]);
      const reason = expect.stringMatching(/^failed on the batch's last attempt: webhook hook [-0-9a-f]+: http:\/\/127\.0\.0\.1:\d+ answered HTTP 503: maintenance$/);
      expect(await recordedFailures(run.id)).toEqual([
        ['a.raw', 'held', reason],
        ['b.raw', 'held', reason],
      ]);

      down = false;
      const next = await runHarvest(instrument.id, { secretBox: box, tuning });
      expect(next.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 2, filesHeld: 0 }) });
      expect([...(await landed()).keys()].sort()).toEqual(['a.raw', 'b.raw']);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('retries the batch when rclone copy fails as a whole, instead of copying its files one by one', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`scan/f${i}.raw`, `frame ${i}`]));
    await writeTree(sourceDir, files);
    const calls = join(dir.path, `${instrument.name}-calls`);
    const failedOnce = join(dir.path, `${instrument.name}-failed-once`);
    // The destination drops out during the first copy: rclone names no file, only its last attempt.
    const rclone = await wrappedRclone(
      [
        `echo "$1" >> '${calls}'`,
        `if [ "$1" = copy ] && [ ! -e '${failedOnce}' ]; then touch '${failedOnce}'`,
        `  echo '{"level":"error","msg":"Attempt 3/3 failed with 1 errors and: connection reset by peer"}' >&2; exit 1`,
        'fi',
        'exec "$rclone" "$@"',
      ].join('\n'),
    );
    // The tuning shortens the retry's wait to 1 s; 30 s of heartbeat timeout keep a late heartbeat
    // on a loaded machine from retrying the batch once more (a third copy). The failing copy exits
    // without reading its list of files: when that broke the pipe, the batch used to wait for good
    // (rclone's early-exit spec).
    const { outcome } = await runHarvest(instrument.id, { rcloneBinary: rclone, tuning: { heartbeatTimeoutSeconds: 30 } });
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 20, filesFailed: 0 }) });
    expect((await landed()).size).toBe(20);
    // Two group copies (the failed one, then the retry's), and no file copied on its own (rcd).
    const invoked = (await readFile(calls, 'utf8')).trim().split('\n');
    expect(invoked.filter((c) => c === 'copy')).toHaveLength(2);
    expect(invoked).not.toContain('rcd');
  });

  it('marks a held version superseded once its file changed and the new version is harvested', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'log.txt': 'first state' });
    const hooks = db.dataSource.getRepository(HookEntity);
    const gate = await hooks.save({ name: 'gate', phase: 'pre', kind: 'command', config: { command: [process.execPath, '-e', 'process.exit(3)'] }, instrumentId: instrument.id, priority: 10, enabled: true });
    await runHarvest(instrument.id);
    const [held] = await versionsOf(instrument.id);
    expect(held).toMatchObject({ status: 'held', version: 1 });

    // The file changes and the gate opens: the first state is gone from the source for good.
    await writeTree(sourceDir, { 'log.txt': 'second state, longer' });
    await hooks.update({ id: gate.id }, { enabled: false });
    const { outcome } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    const versions = await versionsOf(instrument.id);
    expect(versions.find((v) => v.version === 2)).toMatchObject({ status: 'verified' });
    expect(versions.find((v) => v.version === 1)).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^superseded/) });
    expect([...(await landed()).keys()]).toEqual(['log.v2.txt']);
  });

  it('keeps the metadata and access that pre-hooks give a file, and post-hooks build on them', async () => {
    const { instrument, sourceDir } = await instrumentWith();
    await writeTree(sourceDir, { 'p7/S12_scan.raw': 'scan', 'loose.txt': 'no project' });
    const hooks = db.dataSource.getRepository(HookEntity);
    const hook = { instrumentId: instrument.id, enabled: true } as const;
    await hooks.save({ ...hook, name: 'project from path', phase: 'pre', kind: 'metadata', priority: 10, config: { rules: [{ source: 'path', pattern: '^(?<project>p\\d+)/(?<sample>S\\d+)_' }] } });
    await hooks.save({ ...hook, name: 'grant the project', phase: 'pre', kind: 'access', priority: 20, config: { groups: ['imaging'], projectsFromMetadata: 'project' } });

    const first = await runHarvest(instrument.id);
    expect(first.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 2 }) });
    const byPath = new Map((await versionsOf(instrument.id)).map((v) => [v.path, v]));
    expect(byPath.get('p7/S12_scan.raw')).toMatchObject({
      status: 'verified',
      metadata: { project: 'p7', sample: 'S12' },
      access: { groups: ['imaging'], projects: ['p7'] },
      postHooksDone: true,
    });
    expect(byPath.get('loose.txt')).toMatchObject({ status: 'verified', metadata: {}, access: { groups: ['imaging'], projects: [] } });
    // The grants are access grants like any other: the run's audit event says which, and for how many versions.
    const [finished] = (await db.dataSource.query(`SELECT actor, after FROM audit_events WHERE action = 'harvest.finished' AND entity_id = $1`, [first.run.id])) as Array<{
      actor: string;
      after: Record<string, unknown>;
    }>;
    expect(finished).toEqual({
      actor: 'system:harvest',
      after: expect.objectContaining({ status: 'succeeded', filesDone: 2, filesFailed: 0, accessGranted: { groups: { imaging: 2 }, projects: { p7: 1 } } }),
    });

    // A post-hook sees what the pre-hooks stored and adds to it.
    await writeTree(sourceDir, { 'p8/S13_scan.raw': 'scan 2' });
    await hooks.save({ ...hook, name: 'file kind', phase: 'post', kind: 'metadata', priority: 30, config: { rules: [{ source: 'filename', pattern: '_(?<kind>[a-z]+)\\.raw$' }] } });
    const second = await runHarvest(instrument.id);
    expect(second.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    const later = (await versionsOf(instrument.id)).find((v) => v.path === 'p8/S13_scan.raw');
    expect(later).toMatchObject({ metadata: { project: 'p8', sample: 'S13', kind: 'scan' }, access: { projects: ['p8'] }, postHooksDone: true });
  });

  it('holds a delivered file whose post-hook fails, with the reason, skips the post-hooks after it, and runs them all on the next run', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'a.raw': 'first', 'b.raw': 'second' });
    const gate = join(dir.path, `${instrument.name}-gate`);
    const hooks = db.dataSource.getRepository(HookEntity);
    const hook = { instrumentId: instrument.id, enabled: true, phase: 'post' } as const;
    // Refuses every batch until the gate exists (a receiver that rejects them, a broken script).
    const script = `[ -e '${gate}' ] || exit 3; echo '{}'`;
    await hooks.save({ ...hook, name: 'register in the LIMS', kind: 'command', priority: 10, config: { command: ['/bin/sh', '-c', script] } });
    await hooks.save({ ...hook, name: 'grant the archive', kind: 'access', priority: 20, config: { groups: ['archive'] } });

    const first = await runHarvest(instrument.id);
    expect(first.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 0, filesHeld: 2, filesFailed: 0 }) });
    expect(first.run).toMatchObject({ filesDone: '0', filesHeld: '2' });
    // Delivered and verified with an ARK all the same; neither the failed hook nor the ones after it took effect.
    expect([...(await landed()).keys()].sort()).toEqual(['a.raw', 'b.raw']);
    const held = await versionsOf(instrument.id);
    for (const v of held) {
      expect(v).toMatchObject({ status: 'verified', postHooksDone: false, access: { groups: [], projects: [] } });
      expect(v.reason).toBe('held by a post-hook: command sh exited with code 3; the next run runs the post-hooks again');
    }
    const arks = await db.dataSource.getRepository(ArkEntity).find({ where: { fileVersionId: In(held.map((v) => v.id)) }, order: { fileVersionId: 'ASC' } });
    expect(arks).toHaveLength(2);
    const transfers = await db.dataSource.getRepository(TransferEntity).count({ where: { fileVersionId: In(held.map((v) => v.id)) } });

    const postHeld = 'held by a post-hook: command sh exited with code 3; the next run runs the post-hooks again';
    expect(await recordedFailures(first.run.id)).toEqual([
      ['a.raw', 'held', postHeld],
      ['b.raw', 'held', postHeld],
    ]);

    await writeFile(gate, '');
    const second = await runHarvest(instrument.id);
    expect(second.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 2, filesHeld: 0 }) });
    expect(await recordedFailures(first.run.id)).toHaveLength(2);
    expect(await recordedFailures(second.run.id)).toEqual([]);
    for (const v of await versionsOf(instrument.id)) {
      expect(v).toMatchObject({ status: 'verified', postHooksDone: true, reason: null, access: { groups: ['archive'], projects: [] } });
    }
    // Nothing copied or minted again.
    expect(await db.dataSource.getRepository(ArkEntity).find({ where: { fileVersionId: In(held.map((v) => v.id)) }, order: { fileVersionId: 'ASC' } })).toEqual(arks);
    expect(await db.dataSource.getRepository(TransferEntity).count({ where: { fileVersionId: In(held.map((v) => v.id)) } })).toBe(transfers);
  });

  it('cancels mid-copy after a batch was verified: the copies in flight stop and leave nothing at the destination, the catalogue is consistent, and the next run finishes what it missed', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    // A batch a file: the small first one is verified within a second, while the big ones copy.
    const files: Record<string, Buffer> = { 'big/0.raw': Buffer.alloc(256 * 1024, 1) };
    for (let i = 1; i < 6; i++) files[`big/${i}.raw`] = Buffer.alloc(6 * 1024 * 1024, i + 1);
    await writeTree(sourceDir, files);
    const arksOf = async (versions: FileVersionEntity[]) =>
      db.dataSource.getRepository(ArkEntity).find({ where: { fileVersionId: In(versions.map((v) => v.id)) }, order: { fileVersionId: 'ASC' } });
    // rclone takes its flags from the environment as well: at 1 MiB/s per rclone a big file
    // takes 6 s, far longer than a cancel needs to reach its batch.
    process.env.RCLONE_BWLIMIT = '1M';
    let verified: FileVersionEntity[] = [];
    let arks: ArkEntity[] = [];
    try {
      const batchVerified = async () => {
        const [row] = (await db.dataSource.query(`SELECT batches_done FROM harvest_runs WHERE instrument_id = $1`, [instrument.id])) as Array<{ batches_done: number }>;
        return (row?.batches_done ?? 0) >= 1;
      };
      const { outcome, run, handle, details } = await cancelledHarvest(instrument.id, batchVerified, { batchFiles: 1, transfers: 2 });
      expect(outcome).toBe('WorkflowFailedError');
      // The Temporal UI says how and where it ended: some batches done, not all.
      expect(details).toMatch(/^\*\*cancelled while transferring\*\* · [1-5] of 6 batches done\n/);
      // Saved for replay.spec.ts (CAPTURE_HISTORIES=1): the cancel path (batches stopped, finishRun in its own scope).
      await captureHistory(handle, 'harvest-cancelled-mid-copy');
      const versions = await versionsOf(instrument.id);
      verified = versions.filter((v) => v.status === 'verified');
      expect(verified.map((v) => v.path)).toContain('big/0.raw');
      expect(verified.length).toBeLessThan(6);
      // The copies in flight were stopped, not left to finish, and removed with rclone's
      // .partial files: only the verified copies are there.
      const tree = await landed();
      expect([...tree.keys()].sort()).toEqual(verified.map((v) => v.path).sort());
      for (const v of verified) expect(tree.get(v.path)?.equals(files[v.path])).toBe(true);
      expect(run).toMatchObject({ status: 'cancelled', phase: 'finished', error: 'Workflow cancelled' });
      // Counted when its batch closed (a batch stopped between its verdicts and its close counts none).
      expect(Number(run.filesDone)).toBeGreaterThanOrEqual(1);
      expect(Number(run.filesDone)).toBeLessThanOrEqual(verified.length);
      expect(await db.dataSource.query(`SELECT 1 FROM instrument_leases WHERE instrument_id = $1`, [instrument.id])).toEqual([]);
      expect(await db.dataSource.query(`SELECT 1 FROM destination_claims WHERE run_id = $1`, [run.id])).toEqual([]);
      // Consistent: a version is verified exactly when it has its ARK and a verified delivery.
      const inconsistent = await db.dataSource.query(
        `SELECT fv.path FROM file_versions fv
         LEFT JOIN arks a ON a.file_version_id = fv.id
         LEFT JOIN file_deliveries d ON d.file_version_id = fv.id AND d.status = 'verified'
         WHERE fv.instrument_id = $1 AND ((fv.status = 'verified') <> (a.ark IS NOT NULL) OR (fv.status = 'verified') <> (d.file_version_id IS NOT NULL))`,
        [instrument.id],
      );
      expect(inconsistent).toEqual([]);
      // And not only vacuously: each verified version has one ARK.
      arks = await arksOf(verified);
      expect(arks.map((a) => a.fileVersionId)).toEqual(verified.map((v) => v.id).sort());
    } finally {
      delete process.env.RCLONE_BWLIMIT;
    }

    // The next run takes only what the cancelled one missed, and mints nothing again.
    const next = await runHarvest(instrument.id);
    expect(next.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 6 - verified.length, filesFailed: 0 }) });
    const tree = await landed();
    expect([...tree.keys()].sort()).toEqual(Object.keys(files).sort());
    for (const [path, content] of Object.entries(files)) expect(tree.get(path)?.equals(content)).toBe(true);
    const all = await versionsOf(instrument.id);
    expect(all.map((v) => [v.path, v.status])).toEqual(Object.keys(files).sort().map((path) => [path, 'verified']));
    // One ARK per version; the versions verified before the cancel keep theirs.
    const allArks = await arksOf(all);
    expect(allArks.map((a) => a.fileVersionId)).toEqual(all.map((v) => v.id).sort());
    expect(new Set(allArks.map((a) => a.ark)).size).toBe(6);
    expect(allArks.filter((a) => verified.some((v) => v.id === a.fileVersionId))).toEqual(arks);
  });

  it('removes the copies a cancelled batch made before verifying them, so none is left uncatalogued when the source changes', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith({ minAgeSeconds: 0 });
    await writeTree(sourceDir, { 'a.raw': 'first a', 'b.raw': 'first b' });
    const copied = join(dir.path, `${instrument.name}-copied`);
    // The copy finishes, then rclone hangs until the cancel stops it: the copies are complete
    // at the destination and not yet verified.
    const rclone = await wrappedRclone(`if [ "$1" = copy ]; then "$rclone" "$@"; touch '${copied}'; exec sleep 60; fi\nexec "$rclone" "$@"`);
    const { run } = await cancelledHarvest(instrument.id, () => exists(copied), { rcloneBinary: rclone });
    expect(run.status).toBe('cancelled');
    expect([...(await landed()).keys()]).toEqual([]);
    expect((await versionsOf(instrument.id)).map((v) => [v.path, v.status])).toEqual([
      ['a.raw', 'pending'],
      ['b.raw', 'pending'],
    ]);

    // a.raw changes before the next run: its first version is never delivered, and no copy of it stays.
    await writeFile(join(sourceDir, 'a.raw'), 'second a');
    const next = await runHarvest(instrument.id);
    expect(next.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 2, filesFailed: 0 }) });
    const tree = await landed();
    expect(Object.fromEntries([...tree].map(([path, content]) => [path, content.toString()]))).toEqual({ 'a.v2.raw': 'second a', 'b.raw': 'first b' });
  });

  it('runs on the next run the post-hooks that a cancelled run had not run yet', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    const files = { 'a.raw': 'first', 'b.raw': 'second' };
    await writeTree(sourceDir, files);
    const gate = join(dir.path, `${instrument.name}-gate`);
    const started = join(dir.path, `${instrument.name}-started`);
    const received = join(dir.path, `${instrument.name}-received`);
    // Until the gate exists the hook hangs (the run is cancelled meanwhile); then it records the
    // batch it was given and answers with nothing to change.
    const script = `if [ ! -e '${gate}' ]; then touch '${started}'; exec sleep 60; fi; cat >> '${received}'; echo '{}'`;
    await db.dataSource.getRepository(HookEntity).save({
      name: 'file by kind',
      phase: 'pre',
      kind: 'filter',
      config: { redirect: [{ match: '*.raw', to: 'raw/{name}' }] },
      instrumentId: instrument.id,
      priority: 5,
      enabled: true,
    });
    await db.dataSource.getRepository(HookEntity).save({
      name: 'notify the archive',
      phase: 'post',
      kind: 'command',
      config: { command: ['/bin/sh', '-c', script], timeoutMs: 120_000 },
      instrumentId: instrument.id,
      priority: 10,
      enabled: true,
    });

    const { run } = await cancelledHarvest(instrument.id, () => exists(started));
    // The run counts the files it verified before the cancel, though their post-hooks are owed.
    expect(run).toMatchObject({ status: 'cancelled', filesDone: '2', bytesDone: '11' });
    const cancelled = await versionsOf(instrument.id);
    expect(cancelled.map((v) => [v.path, v.status, v.postHooksDone])).toEqual([
      ['a.raw', 'verified', false],
      ['b.raw', 'verified', false],
    ]);
    const arks = await db.dataSource.getRepository(ArkEntity).find({ where: { fileVersionId: In(cancelled.map((v) => v.id)) } });
    const transfers = await db.dataSource.getRepository(TransferEntity).count({ where: { fileVersionId: In(cancelled.map((v) => v.id)) } });

    await writeFile(gate, '');
    const next = await runHarvest(instrument.id);
    expect(next.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 2, filesFailed: 0 }) });
    // Only post-hooks were owed: the destination was owed no file.
    expect(await perDestination(next.run.id)).toEqual({ [`${instrument.name}-0`]: '0/0' });
    const batch = JSON.parse(await readFile(received, 'utf8')) as { files: Array<{ fileVersionId: string; destinationPath: string }> };
    // The post-hooks see where the pre-hook sent each file, as they would have in the cancelled run.
    expect(batch.files.map((f) => [f.fileVersionId, f.destinationPath]).sort()).toEqual(cancelled.map((v) => [v.id, `raw/${v.path}`]).sort());
    expect([...(await landed()).keys()].sort()).toEqual(['raw/a.raw', 'raw/b.raw']);
    expect((await versionsOf(instrument.id)).every((v) => v.postHooksDone)).toBe(true);
    // Nothing copied or minted again: the versions keep their ARKs and copies.
    expect(await db.dataSource.getRepository(ArkEntity).find({ where: { fileVersionId: In(cancelled.map((v) => v.id)) } })).toEqual(arks);
    expect(await db.dataSource.getRepository(TransferEntity).count({ where: { fileVersionId: In(cancelled.map((v) => v.id)) } })).toBe(transfers);

    // Owed no more: the run after takes nothing.
    const after = await runHarvest(instrument.id);
    expect(after.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 0 }) });
  });

  it('does not let a run whose workflow was terminated block the instrument: the next run closes it and harvests', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 4; i++) files[`big/${i}.raw`] = Buffer.alloc(4 * 1024 * 1024, i + 1);
    await writeTree(sourceDir, files);
    process.env.RCLONE_BWLIMIT = '4M';
    let terminated: { runId: string };
    try {
      const { worker, taskQueue } = await startWorker({ batchFiles: 2, transfers: 1 });
      const started = await startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId: instrument.id, trigger: 'api' });
      await worker.runUntil(async () => {
        while (![...(await landed()).keys()].some((p) => p.endsWith('.partial'))) await new Promise((r) => setTimeout(r, 50));
        // What an operator does from the Temporal UI: no cleanup code runs.
        await env.client.workflow.getHandle(started.workflowId).terminate('stuck, says the operator');
      });
      terminated = started;
    } finally {
      delete process.env.RCLONE_BWLIMIT;
    }
    const stale = await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: terminated.runId });
    expect(stale.status).toBe('running');

    // Not skipped: the lease of the terminated run is released. (The terminated run's batch
    // activities may still have finished their copies before noticing; either way every file
    // ends up verified once.)
    const next = await runHarvest(instrument.id);
    expect(next.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded' }) });
    expect([...(await landed()).keys()].sort()).toEqual(Object.keys(files).sort());
    const versions = await versionsOf(instrument.id);
    expect(versions.map((v) => v.status)).toEqual(['verified', 'verified', 'verified', 'verified']);
    expect(await db.dataSource.getRepository(ArkEntity).count({ where: versions.map((v) => ({ fileVersionId: v.id })) })).toBe(4);
    const closed = await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: terminated.runId });
    expect(closed).toMatchObject({ status: 'failed', phase: 'finished', error: expect.stringContaining('ended (TERMINATED)') });
  });

  it('creates its own run row when a Temporal Schedule starts it, once per execution', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'scheduled.txt': 'tick' });
    const { workflowId, result } = await runScheduled(instrument, '2026-11-23T12:00:00Z');
    expect(result).toMatchObject({ status: 'succeeded', filesDone: 1 });
    const runs = await db.dataSource.getRepository(HarvestRunEntity).findBy({ instrumentId: instrument.id });
    expect(runs).toEqual([expect.objectContaining({ trigger: 'schedule', workflowId, status: 'succeeded', filesDone: '1' })]);
    expect([...(await landed()).keys()]).toEqual(['scheduled.txt']);
  });

  it('gives a backfill of a slot that already ran (same workflow id, new execution) a run of its own, which harvests', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'first.txt': 'one' });
    const first = await runScheduled(instrument, '2026-11-23T14:00:00Z');
    await writeTree(sourceDir, { 'second.txt': 'two' });
    // Temporal starts a backfill under the slot's workflow id again once the earlier execution has closed.
    const again = await runScheduled(instrument, '2026-11-23T14:00:00Z', first.scheduleId);
    expect(again.workflowId).toBe(first.workflowId);
    expect([first.result, again.result]).toEqual([expect.objectContaining({ status: 'succeeded', filesDone: 1 }), expect.objectContaining({ status: 'succeeded', filesDone: 1 })]);
    const runs = await db.dataSource.getRepository(HarvestRunEntity).find({ where: { instrumentId: instrument.id }, order: { createdAt: 'ASC' } });
    expect(runs).toEqual([
      expect.objectContaining({ workflowId: first.workflowId, scheduleId: first.scheduleId, status: 'succeeded', filesDone: '1' }),
      expect.objectContaining({ workflowId: first.workflowId, scheduleId: first.scheduleId, status: 'succeeded', filesDone: '1' }),
    ]);
    expect(runs[0].temporalRunId).not.toBe(runs[1].temporalRunId);
    expect([...(await landed()).keys()].sort()).toEqual(['first.txt', 'second.txt']);
  });

  it.each<{ why: string; row: Partial<ScheduleEntity>; at: string; reason: string }>([
    { why: 'deleted before Temporal heard of it', row: { deletedAt: new Date() }, at: '2026-11-23T15:00:00Z', reason: 'was deleted' },
    { why: 'paused while Temporal could not be told (a slot it still started, or caught up on)', row: { enabled: false, needsSync: true }, at: '2026-11-23T17:00:00Z', reason: 'was paused (not yet in Temporal)' },
  ])('skips a scheduled run of a schedule $why, and copies nothing', async ({ row, at, reason }) => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'scheduled.txt': 'tick' });
    const schedule = await db.dataSource.getRepository(ScheduleEntity).save({ instrumentId: instrument.id, cron: '0 * * * *', ...row });
    const { result } = await runScheduled(instrument, at, schedule.id);
    expect(result).toMatchObject({ status: 'skipped', filesDone: 0 });
    const runs = await db.dataSource.getRepository(HarvestRunEntity).findBy({ instrumentId: instrument.id });
    expect(runs).toEqual([expect.objectContaining({ trigger: 'schedule', status: 'skipped', error: `its schedule ${schedule.id} ${reason}` })]);
    expect([...(await landed()).keys()]).toEqual([]);
  });

  it("harvests a disabled schedule's run once Temporal has the pause: a paused schedule only starts what someone asked for (run now, backfill)", async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'backfilled.txt': 'late' });
    const schedule = await db.dataSource.getRepository(ScheduleEntity).save({ instrumentId: instrument.id, cron: '0 * * * *', enabled: false, needsSync: false });
    const { result } = await runScheduled(instrument, '2026-11-23T16:00:00Z', schedule.id);
    expect(result).toMatchObject({ status: 'succeeded', filesDone: 1 });
    expect([...(await landed()).keys()]).toEqual(['backfilled.txt']);
  });

  it('skips a scheduled run of a disabled instrument, whose pause had not reached Temporal, and copies nothing', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'scheduled.txt': 'tick' });
    await db.dataSource.getRepository(InstrumentEntity).update({ id: instrument.id }, { enabled: false });
    const { result } = await runScheduled(instrument, '2026-11-23T13:00:00Z');
    expect(result).toMatchObject({ status: 'skipped', filesDone: 0 });
    const runs = await db.dataSource.getRepository(HarvestRunEntity).findBy({ instrumentId: instrument.id });
    expect(runs).toEqual([expect.objectContaining({ trigger: 'schedule', status: 'skipped', error: `instrument ${instrument.name} is disabled` })]);
    expect([...(await landed()).keys()]).toEqual([]);
    expect(await versionsOf(instrument.id)).toEqual([]);
  });

  it('keeps heartbeating while rclone lists a source in silence, so the listing is not taken for a lost worker', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'slow/listed.txt': 'late' });
    // The listing says nothing for 25 s, more than twice the 10 s heartbeat timeout: heartbeats
    // that came only with the listing's output would time the discovery out, and its retry would
    // list again. Discovery heartbeats every 2 s and the SDK sends them every 8 s (0.8 of the
    // timeout), so a heartbeat must be late by 8 s on a loaded machine, not by 1 s, to fail it.
    const listings = join(dir.path, `${instrument.name}-listings`);
    const rclone = await wrappedRclone(`if [ "$1" = lsjson ] && [ "$2" = -R ]; then echo listing >> '${listings}'; sleep 25; fi\nexec "$rclone" "$@"`);
    const { outcome } = await runHarvest(instrument.id, { rcloneBinary: rclone, tuning: { heartbeatTimeoutSeconds: 10 } });
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    expect((await readFile(listings, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect([...(await landed()).keys()]).toEqual(['slow/listed.txt']);
  });

  it('takes the files it could list when a folder cannot be read, fails the run naming the folder, and takes it on the next run', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'open/a.txt': 'readable', 'secret/b.txt': 'locked away' });
    // As rclone lists an SMB share with a folder the service account may not read: the rest of
    // the tree, an error naming the folder, exit 1 (seen with a local folder of mode 000: exit 6).
    const unlocked = join(dir.path, `${instrument.name}-unlocked`);
    const rclone = await wrappedRclone(
      [
        `if [ "$1" = lsjson ] && [ "$2" = -R ] && [ ! -e '${unlocked}' ]; then`,
        `  "$rclone" "$@" --exclude 'secret/**'`,
        `  echo '{"level":"error","msg":"error listing: access denied","object":"secret","objectType":"string"}' >&2; exit 1`,
        'fi',
        'exec "$rclone" "$@"',
      ].join('\n'),
    );
    const backfilledAt = async () =>
      (await db.dataSource.getRepository(InstrumentDestinationEntity).findOneByOrFail({ instrumentId: instrument.id })).backfilledAt;

    const first = await runHarvest(instrument.id, { rcloneBinary: rclone });
    expect(first.outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesDone: 1, filesFailed: 0 }) });
    expect(first.run).toMatchObject({
      status: 'failed',
      error: '1 folder(s) of the source could not be listed, so their files were not taken (the next run lists them again): secret (error listing: access denied)',
    });
    expect([...(await landed()).keys()]).toEqual(['open/a.txt']);
    // Versions in the folder were not looked at: the destination is not marked as searched.
    expect(await backfilledAt()).toBeNull();

    await writeFile(unlocked, '');
    const second = await runHarvest(instrument.id, { rcloneBinary: rclone });
    expect(second.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    expect([...(await landed()).keys()].sort()).toEqual(['open/a.txt', 'secret/b.txt']);
    expect(await backfilledAt()).not.toBeNull();
  });

  it('lists again when a folder vanished while it was listed, and fails for good only when the source root is gone', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith();
    await writeTree(sourceDir, { 'kept/a.txt': 'stays' });
    // The first listing fails as rclone does when a folder is moved away under it (exit 3).
    const listings = join(dir.path, `${instrument.name}-listings`);
    const rclone = await wrappedRclone(
      [
        `if [ "$1" = lsjson ] && [ "$2" = -R ]; then echo listing >> '${listings}'`,
        `  if [ "$(wc -l < '${listings}')" -eq 1 ]; then echo 'ERROR : run-0007: error listing: directory not found' >&2; exit 3; fi`,
        'fi',
        'exec "$rclone" "$@"',
      ].join('\n'),
    );
    const { outcome } = await runHarvest(instrument.id, { rcloneBinary: rclone, tuning: { heartbeatTimeoutSeconds: 30 } });
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    expect((await readFile(listings, 'utf8')).trim().split('\n')).toHaveLength(2);
    expect([...(await landed()).keys()]).toEqual(['kept/a.txt']);

    // The same exit with the root itself gone: one listing, and the run fails at once.
    await rm(sourceDir, { recursive: true, force: true });
    await rm(listings);
    const gone = await runHarvest(instrument.id, { rcloneBinary: rclone, tuning: { heartbeatTimeoutSeconds: 30 } });
    expect(gone.run).toMatchObject({ status: 'failed', error: expect.stringContaining('directory not found') });
    expect((await readFile(listings, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(await activitiesInHistory(gone.handle)).toEqual(failedAtOnceInDiscovery(gone.run.error));
  });

  it('keeps the first outcome of a run when a cancel races its closing, and a late beginRun does not open it again', async () => {
    const { instrument } = await instrumentWith();
    const runs = db.dataSource.getRepository(HarvestRunEntity);
    const run = await runs.save({ instrumentId: instrument.id, trigger: 'api', status: 'running' });
    const activities = createHarvestActivities({
      dataSource: db.dataSource,
      rcloneBinary: requireTool('rclone', process.env),
      ark: { mint: () => mintArk({ naan: '99999', shoulder: 'fk4' }) },
      batch: { maxFiles: 1000, maxBytes: 1024 ** 3 },
      transfers: 4,
      identity: 'test',
    });
    const activity = new MockActivityEnvironment();
    await activity.run(activities.finishRun, run.id, { status: 'succeeded' as const });
    await activity.run(activities.finishRun, run.id, { status: 'cancelled' as const, error: 'cancelled by a user' });
    expect(await runs.findOneByOrFail({ id: run.id })).toMatchObject({ status: 'succeeded', phase: 'finished', error: null });

    await activity.run(activities.beginRun, run.id);
    expect(await runs.findOneByOrFail({ id: run.id })).toMatchObject({ status: 'succeeded', phase: 'finished' });
  });

  it('draws again when a freshly minted ARK collides with an existing one', async () => {
    const { instrument, sourceDir } = await instrumentWith();
    await writeTree(sourceDir, { 'first.txt': '0' });
    await runHarvest(instrument.id);
    const [first] = await versionsOf(instrument.id);
    const { ark: taken } = await db.dataSource.getRepository(ArkEntity).findOneByOrFail({ fileVersionId: first.id });
    await writeTree(sourceDir, { 'one.txt': '1', 'two.txt': '2' });
    // The first draws repeat an ARK another file already holds, then fresh ones follow.
    const draws = [taken, taken];
    const { outcome, started } = await runHarvest(instrument.id, { mint: () => draws.shift() ?? mintArk({ naan: '99999', shoulder: 'fk4' }) });
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 2 }) });
    // Drawn again inside the batch, not left to a retry of the whole batch.
    expect(await db.dataSource.getRepository(HarvestBatchEntity).findBy({ runId: started.runId })).toEqual([expect.objectContaining({ attempts: 1 })]);
    const versions = await versionsOf(instrument.id);
    const arks = await db.dataSource.getRepository(ArkEntity).find({ where: versions.map((v) => ({ fileVersionId: v.id })) });
    expect(arks).toHaveLength(3);
    expect(new Set(arks.map((a) => a.ark)).size).toBe(3);
  });

  it('does not start a second harvest of an instrument that is being harvested', async () => {
    const { instrument } = await instrumentWith();
    const holder = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'schedule', status: 'running' });
    await db.dataSource.query(`INSERT INTO instrument_leases (instrument_id, run_id) VALUES ($1, $2)`, [instrument.id, holder.id]);

    const { outcome, run } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'skipped' }) });
    expect(run).toMatchObject({ status: 'skipped', error: expect.stringContaining(holder.id) });
  });

  it('harvests a source given as an rclone connection string (an SFTP server), its password never on a command line', async () => {
    const { instrument, sourceDir, landed } = await instrumentWith({ sourceType: 'rclone' });
    await writeTree(sourceDir, { 'run 1/spectrum.csv': 't,v\n0,1\n', 'notes.txt': 'sftp' });
    const sftp = await startSftpServer({ dir: sourceDir });
    try {
      const remote = sftp.connectionString();
      await db.dataSource.getRepository(InstrumentEntity).update({ id: instrument.id }, { sourceConfig: { remote } });
      // Every rclone command line the worker runs, as `ps` would show it.
      const argv = join(dir.path, `${instrument.name}-argv.log`);
      const rcloneBinary = await wrappedRclone(`printf '%s\\n' "$*" >> '${argv}'\nexec "$rclone" "$@"`);

      const { outcome } = await runHarvest(instrument.id, { rcloneBinary });
      expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 2, filesFailed: 0 }) });
      const tree = await landed();
      expect(tree.get('run 1/spectrum.csv')?.toString()).toBe('t,v\n0,1\n');
      expect(tree.get('notes.txt')?.toString()).toBe('sftp');
      const lines = (await readFile(argv, 'utf8')).trim().split('\n');
      expect(lines.some((line) => line.startsWith('lsjson'))).toBe(true);
      const obscuredPassword = /pass=([^,:]+)/.exec(remote)![1];
      for (const line of lines) {
        expect(line).not.toContain(obscuredPassword);
        expect(line).not.toContain(`port=${sftp.port}`);
      }
    } finally {
      await sftp.stop();
    }
  });

  it('fails a run at once, saying why, when a stored secret was sealed under another SHEAF_ENCRYPTION_KEY', async () => {
    const { instrument, sourceDir } = await instrumentWith();
    await writeTree(sourceDir, { 'a.txt': 'data' });
    const storage = await db.dataSource.getRepository(StorageLocationEntity).save({
      name: `${instrument.name}-s3`,
      type: 's3',
      config: { bucket: 'archive', endpoint: 'http://127.0.0.1:9', accessKeyId: 'AKIA' },
      secretSealed: SecretBox.fromBase64(randomBytes(32).toString('base64')).seal('s3-secret'),
    });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });
    const { run, handle } = await runHarvest(instrument.id, { secretBox: SecretBox.fromBase64(randomBytes(32).toString('base64')) });
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(new RegExp(`^storage location ${storage.name}: a sealed secret could not be opened: wrong encryption key`)) });
    // Not retried: discovery, which opens the secrets, failed on its first attempt as not retryable.
    expect(await activitiesInHistory(handle)).toEqual(failedAtOnceInDiscovery(run.error));
  });

  it('fails a run at once whose stored source breaks a rule made since (options on a named rclone remote)', async () => {
    const { instrument } = await instrumentWith({ sourceType: 'rclone', source: { remote: 'lab,secret_access_key=TOPSECRET:bucket' } });
    const { run, handle } = await runHarvest(instrument.id);
    expect(run).toMatchObject({ status: 'failed', error: expect.stringContaining(`instrument ${instrument.name}: its source config remote must be an rclone path`) });
    expect(run.error).not.toContain('TOPSECRET');
    expect(await activitiesInHistory(handle)).toEqual(failedAtOnceInDiscovery(run.error));
  });

  it('fails a run whose source is missing with a clear, non-retried error', async () => {
    const { instrument } = await instrumentWith({ source: { path: join(dir.path, 'no-such-folder') } });
    const { outcome, run, handle } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ error: expect.anything() });
    expect(run).toMatchObject({ status: 'failed', phase: 'finished' });
    expect(run.error).toMatch(new RegExp(`^the source of instrument ${instrument.name}: rclone lsjson failed \\(exit 3\\): .*directory not found`));
    expect(await activitiesInHistory(handle)).toEqual(failedAtOnceInDiscovery(run.error));
  });
});
