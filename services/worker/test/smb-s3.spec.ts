import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { finished } from 'node:stream/promises';
import { isValidArk, mintArk } from '@sheaf/ark';
import { SecretBox } from '@sheaf/crypto';
import {
  ArkEntity,
  FileDeliveryEntity,
  FileVersionEntity,
  HarvestRunEntity,
  InstrumentDestinationEntity,
  InstrumentEntity,
  ServiceAccountEntity,
  StorageLocationEntity,
  TransferEntity,
} from '@sheaf/db';
import { startHarvest } from '@sheaf/harvests';
import {
  createTemporalTestEnv,
  createTestDatabase,
  freePort,
  makeTempDir,
  startS3Server,
  startSambaShare,
  type S3Server,
  type SambaShare,
  type TempDir,
  type TestDatabase,
  type TemporalTestEnv,
} from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { WORKFLOWS_ENTRY } from '../src/bundle-paths';
import { createHarvestWorker } from '../src/worker';
import { activitiesInHistory, NON_RETRYABLE } from './history';

const OLD = new Date('2026-01-01T00:00:00Z');
const BIG = 200 * 1024 * 1024;
/** What an instrument left in the S3 bucket `incoming`, under `scope-2/`. */
const S3_SOURCE: Record<string, string> = { 'scope-2/run 7/frame 0001.tif': 'pixels', 'scope-2/run 7/meta.json': '{"exposure": 0.5}' };

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function treeHashes(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(relative(root, join(e.parentPath, e.name)), await sha256File(join(e.parentPath, e.name)));
  }
  return out;
}

describe('harvest from a real SMB share (Samba) to POSIX, S3 (rclone serve s3) and another SMB share', () => {
  let env: TemporalTestEnv;
  let bundle: WorkflowBundleWithSourceMap;
  let db: TestDatabase;
  let dir: TempDir;
  let smb: SambaShare;
  /** A writable share on another Samba server: the archive an SMB storage location writes to. */
  let smbArchive: SambaShare;
  let s3: S3Server;
  const box = SecretBox.fromBase64(randomBytes(32).toString('base64'));
  let sourceDir: string;

  beforeAll(async () => {
    [env, bundle, db, dir] = await Promise.all([
      createTemporalTestEnv(),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } }),
      createTestDatabase(),
      makeTempDir(),
    ]);
    await chmod(dir.path, 0o755);
    sourceDir = join(dir.path, 'share');
    const small: Record<string, Buffer> = {
      'README.txt': Buffer.from('instrument output\n'),
      'empty.dat': Buffer.alloc(0),
      'Probe 7/Messung ünïcode ✓.csv': Buffer.from('t,v\n0,1\n'),
      'deep/a/b/c/d/e/f/g/h/leaf.bin': randomBytes(100_000),
    };
    for (const [path, content] of Object.entries(small)) {
      await mkdir(dirname(join(sourceDir, path)), { recursive: true });
      await writeFile(join(sourceDir, path), content);
    }
    // 200 MB, not all zeros.
    await mkdir(join(sourceDir, 'raw'), { recursive: true });
    const big = createWriteStream(join(sourceDir, 'raw/acquisition 001.raw'));
    const block = randomBytes(1 << 20);
    for (let i = 0; i < BIG / block.length; i++) {
      block.writeUInt32LE(i, 0);
      if (!big.write(block)) await new Promise<void>((r) => big.once('drain', () => r()));
    }
    big.end();
    await finished(big);
    for (const e of await readdir(sourceDir, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) await utimes(join(e.parentPath, e.name), OLD, OLD);
    }
    await mkdir(join(dir.path, 's3'), { recursive: true });
    // An instrument that writes to an S3 bucket: written before the server starts, which caches
    // folder listings.
    for (const [path, content] of Object.entries(S3_SOURCE)) {
      await mkdir(dirname(join(dir.path, 's3', 'incoming', path)), { recursive: true });
      await writeFile(join(dir.path, 's3', 'incoming', path), content);
      await utimes(join(dir.path, 's3', 'incoming', path), OLD, OLD);
    }
    await mkdir(join(dir.path, 'smb-archive'), { recursive: true });
    // smbd writes as its mapped Unix account, not as the test's user.
    await chmod(join(dir.path, 'smb-archive'), 0o777);
    [smb, smbArchive, s3] = await Promise.all([
      startSambaShare({ dir: sourceDir, user: 'instrument', password: 'Share-Pa55' }),
      startSambaShare({ dir: join(dir.path, 'smb-archive'), shareName: 'archive', user: 'archiver', writable: true }),
      startS3Server({ dir: join(dir.path, 's3'), buckets: ['archive'] }),
    ]);
  }, 180_000);

  afterAll(async () => {
    await smb?.stop();
    await smbArchive?.stop();
    await s3?.stop();
    await env?.teardown();
    await db?.drop();
    await dir?.cleanup();
  });

  async function smbInstrument(password: string, archivePassword = smbArchive.password) {
    const name = `smb-${randomUUID().slice(0, 8)}`;
    const account = await db.dataSource
      .getRepository(ServiceAccountEntity)
      .save({ name, username: smb.user, domain: smb.domain, passwordSealed: box.seal(password) });
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({
      name,
      sourceType: 'smb',
      sourceConfig: { host: smb.host, port: smb.port, share: smb.share },
      serviceAccountId: account.id,
    });
    const posix = await db.dataSource.getRepository(StorageLocationEntity).save({ name: `${name}-posix`, type: 'posix', config: { path: join(dir.path, 'posix') } });
    const bucket = await db.dataSource.getRepository(StorageLocationEntity).save({
      name: `${name}-s3`,
      type: 's3',
      config: { bucket: 'archive', endpoint: s3.endpoint, accessKeyId: s3.accessKey, provider: 'Rclone' },
      secretSealed: box.seal(s3.secretKey),
    });
    const share = await db.dataSource.getRepository(StorageLocationEntity).save({
      name: `${name}-smb`,
      type: 'smb',
      config: { host: smbArchive.host, port: smbArchive.port, share: smbArchive.share, path: 'instruments', user: smbArchive.user },
      secretSealed: box.seal(archivePassword),
    });
    for (const storage of [posix, bucket, share]) {
      await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });
    }
    return { ...instrument, archiveId: share.id };
  }

  /**
   * An instrument reading a local folder (`files`, written with an old mtime) into one storage
   * location on the S3 server or the writable SMB share; `landed` is its folder there.
   */
  async function localInstrumentInto(type: 's3' | 'smb', prefix: string, files: Record<string, string>) {
    const name = `${prefix}-${type}-${randomUUID().slice(0, 8)}`;
    const source = join(dir.path, name);
    await mkdir(source, { recursive: true });
    for (const [path, content] of Object.entries(files)) {
      await writeFile(join(source, path), content);
      await utimes(join(source, path), OLD, OLD);
    }
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: source } });
    const storage = await db.dataSource.getRepository(StorageLocationEntity).save(
      type === 's3'
        ? { name, type, config: { bucket: 'archive', endpoint: s3.endpoint, accessKeyId: s3.accessKey, provider: 'Rclone' }, secretSealed: box.seal(s3.secretKey) }
        : { name, type, config: { host: smbArchive.host, port: smbArchive.port, share: smbArchive.share, path: 'instruments', user: smbArchive.user }, secretSealed: box.seal(smbArchive.password) },
    );
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });
    const landed = () => treeHashes(type === 's3' ? join(dir.path, 's3', 'archive', name) : join(dir.path, 'smb-archive', 'instruments', name));
    return { instrument, name, source, landed };
  }

  async function runHarvest(instrumentId: string, tuning?: { heartbeatTimeoutSeconds: number }, rcloneBinary = requireTool('rclone', process.env)) {
    const taskQueue = `test-${randomUUID()}`;
    const worker = await createHarvestWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: bundle,
      activities: {
        dataSource: db.dataSource,
        rcloneBinary,
        secretBox: box,
        ark: { mint: () => mintArk({ naan: '99999', shoulder: 'fk4' }) },
        batch: { maxFiles: 3, maxBytes: 1024 ** 3 },
        transfers: 4,
      },
    });
    const started = await startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId, trigger: 'api', tuning });
    const handle = env.client.workflow.getHandle(started.workflowId);
    const outcome = await worker.runUntil(handle.result().then((value) => ({ value }), (error: unknown) => ({ error })));
    const run = await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: started.runId });
    return { outcome, run, handle };
  }

  /**
   * That a run failed at once: `activity` (discovery, or the batches) failed on its first
   * attempt as not retryable, with a message `message` matches, and no activity of the run was
   * retried. Other batches, which that first failure cancelled, may end cancelled, or failed in
   * the same way after the cancel was asked (then Temporal says so instead of "not retryable").
   */
  async function expectFailedAtOnce(handle: Awaited<ReturnType<typeof runHarvest>>['handle'], activity: 'discover' | 'processBatch', message: unknown) {
    const activities = await activitiesInHistory(handle);
    const failed = activities.filter((a) => a.ended === 'failed');
    expect(failed.filter((a) => a.retryState === NON_RETRYABLE)).not.toEqual([]);
    expect(failed).toEqual(failed.map(() => ({ activity, attempt: 1, ended: 'failed', retryState: expect.stringMatching(/^RETRY_STATE_(NON_RETRYABLE_FAILURE|CANCEL_REQUESTED)$/), message })));
    expect(activities.filter((a) => a.attempt > 1)).toEqual([]);
  }

  it('lands the tree, 200 MB file included, byte-identical in all three destinations with verified SHA-256 and one ARK each', async () => {
    const instrument = await smbInstrument('Share-Pa55');
    const { outcome } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 5, filesFailed: 0 }) });

    const expected = await treeHashes(sourceDir);
    expect(await treeHashes(join(dir.path, 'posix', instrument.name))).toEqual(expected);
    expect(await treeHashes(join(dir.path, 's3', 'archive', instrument.name))).toEqual(expected);
    expect(await treeHashes(join(dir.path, 'smb-archive', 'instruments', instrument.name))).toEqual(expected);
    const versions = await db.dataSource.getRepository(FileVersionEntity).findBy({ instrumentId: instrument.id });
    expect(new Map(versions.map((v) => [v.path, v.sha256]))).toEqual(expected);
    expect(versions.every((v) => v.status === 'verified')).toBe(true);
    const arks = await db.dataSource.getRepository(ArkEntity).find({ where: versions.map((v) => ({ fileVersionId: v.id })) });
    expect(arks).toHaveLength(5);
    expect(arks.every((a) => isValidArk(a.ark))).toBe(true);
    // One verified delivery per version and destination, the hash read back from each.
    const deliveries = await db.dataSource.getRepository(FileDeliveryEntity).find({ where: versions.map((v) => ({ fileVersionId: v.id })) });
    expect(deliveries).toHaveLength(15);
    for (const d of deliveries) {
      const version = versions.find((v) => v.id === d.fileVersionId)!;
      expect(d).toMatchObject({ status: 'verified', algorithm: 'sha256', sourceSha256: version.sha256, destinationSha256: version.sha256 });
    }
  });

  // Sealed as the API stores it (source_config holds ***), and in clear as an older release did.
  it.each([
    ['stored sealed', true],
    ['stored in clear', false],
  ])('harvests an S3 bucket given as an rclone connection string, with a quoted endpoint (%s)', async (_, sealed) => {
    const name = `s3src-${randomUUID().slice(0, 8)}`;
    const remote = `:s3,provider=Rclone,endpoint="${s3.endpoint}",access_key_id=${s3.accessKey},secret_access_key=${s3.secretKey},force_path_style:incoming/scope-2`;
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save(sealed ? { name, sourceType: 'rclone', sourceConfig: { remote: '***' }, sourceRemoteSealed: box.seal(remote) } : { name, sourceType: 'rclone', sourceConfig: { remote } });
    const posix = await db.dataSource.getRepository(StorageLocationEntity).save({ name: `${name}-posix`, type: 'posix', config: { path: join(dir.path, 'posix') } });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: posix.id });
    const { outcome } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 2, filesFailed: 0 }) });
    const landed = await treeHashes(join(dir.path, 'posix', name));
    expect(landed).toEqual(new Map(Object.entries(S3_SOURCE).map(([path, content]) => [path.replace('scope-2/', ''), createHash('sha256').update(content).digest('hex')])));
  });

  it('fails fast and without retrying when the share refuses the password', async () => {
    const instrument = await smbInstrument('wrong password');
    const { outcome, run, handle } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ error: expect.anything() });
    expect(run).toMatchObject({ status: 'failed', error: expect.stringContaining('credentials rejected') });
    // One listing attempt (rclone retries the logon itself for a few seconds); no activity retries.
    await expectFailedAtOnce(handle, 'discover', run.error);
    expect(run.error).not.toContain('Share-Pa55');
  });

  it('fails fast, naming the storage location, when the SMB archive refuses its password, on a first harvest and when added later; fixed, the next run delivers what it lacks', async () => {
    const instrument = await smbInstrument('Share-Pa55', 'not the archive password');
    const landings = {
      posix: join(dir.path, 'posix', instrument.name),
      s3: join(dir.path, 's3', 'archive', instrument.name),
      smb: join(dir.path, 'smb-archive', 'instruments', instrument.name),
    };
    const landed = async (where: string) => treeHashes(where).catch(() => new Map<string, string>());
    const refused = async () => {
      const { outcome, run, handle } = await runHarvest(instrument.id);
      expect(outcome).toEqual({ error: expect.anything() });
      expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(new RegExp(`^storage location ${instrument.name}-smb: credentials rejected: `)) });
      await expectFailedAtOnce(handle, 'processBatch', expect.stringMatching(new RegExp(`^storage location ${instrument.name}-smb: credentials rejected: `)));
      expect(run.error).not.toContain('not the archive password');
      expect(await landed(landings.smb)).toEqual(new Map());
    };
    const expected = await treeHashes(sourceDir);
    const archive = db.dataSource.getRepository(InstrumentDestinationEntity);

    // A first harvest: the copies made to the other two before the failure are not catalogued,
    // and none is left there.
    await refused();
    expect(await db.dataSource.getRepository(FileVersionEntity).countBy({ instrumentId: instrument.id, status: 'verified' })).toBe(0);
    expect(await landed(landings.posix)).toEqual(new Map());
    expect(await landed(landings.s3)).toEqual(new Map());

    // Without the share, the other two get everything; added again, the share's first run fails
    // before it records anything, and what the others hold stays.
    await archive.delete({ instrumentId: instrument.id, storageLocationId: instrument.archiveId });
    expect((await runHarvest(instrument.id)).outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 5, filesFailed: 0 }) });
    await archive.insert({ instrumentId: instrument.id, storageLocationId: instrument.archiveId });
    await refused();
    expect(await landed(landings.posix)).toEqual(expected);
    expect(await landed(landings.s3)).toEqual(expected);

    // Fixed: the next run delivers to the share what it lacks, and nothing again to the others.
    await db.dataSource.getRepository(StorageLocationEntity).update({ id: instrument.archiveId }, { secretSealed: box.seal(smbArchive.password) });
    const fixed = await runHarvest(instrument.id);
    expect(fixed.outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesTotal: 5, filesDone: 5, filesFailed: 0 }) });
    for (const where of Object.values(landings)) expect(await landed(where)).toEqual(expected);
    const perDestination = await db.dataSource.query<Array<{ storage_location_id: string; files_total: string; files_verified: string }>>(
      `SELECT storage_location_id, files_total, files_verified FROM harvest_run_destinations WHERE run_id = $1 AND storage_location_id = $2`,
      [fixed.run.id, instrument.archiveId],
    );
    expect(perDestination).toEqual([{ storage_location_id: instrument.archiveId, files_total: '5', files_verified: '5' }]);
  });

  it('does not fail a run whose copies to an SMB archive all miss before its folder exists (the file was moved away on the instrument)', async () => {
    const { instrument, name, source } = await localInstrumentInto('smb', 'moved', { 'only.raw': 'moved by its owner' });
    // Moved away as the copies start: none reaches the share, so its instrument folder is never made.
    const rclone = join(dir.path, `${name}-rclone.sh`);
    await writeFile(
      rclone,
      `#!/bin/sh\n[ "$1" = copy ] || [ "$1" = rcd ] && mv -f '${join(source, 'only.raw')}' '${join(dir.path, `${name}-only.raw`)}' 2>/dev/null\nexec '${requireTool('rclone', process.env)}' "$@"\n`,
      { mode: 0o755 },
    );

    const { outcome } = await runHarvest(instrument.id, undefined, rclone);
    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 0, filesFailed: 0, filesDeferred: 1 }) });
    expect(await db.dataSource.getRepository(FileVersionEntity).findOneByOrFail({ instrumentId: instrument.id })).toMatchObject({
      status: 'pending',
      reason: expect.stringContaining('gone from the source before it was copied'),
    });
  });

  it('never replaces or removes a copy on a share that ignores case when two source names differ only in case', async () => {
    const files = { 'Data.raw': 'written first, upper case', 'data.raw': 'lower case, other bytes' };
    const { instrument, name, landed } = await localInstrumentInto('smb', 'cases', files);

    for (let run = 0; run < 2; run++) {
      const { outcome } = await runHarvest(instrument.id);
      expect(outcome).toEqual({ value: expect.objectContaining({ status: 'failed', filesFailed: 1 }) });
      const versions = await db.dataSource.getRepository(FileVersionEntity).find({ where: { instrumentId: instrument.id }, order: { path: 'ASC' } });
      expect(versions.map((v) => [v.path, v.status])).toEqual([
        ['Data.raw', 'verified'],
        ['data.raw', 'failed'],
      ]);
      // The share holds the verified version's bytes under its name, and nothing else.
      expect(await landed()).toEqual(new Map([['Data.raw', versions[0].sha256]]));
      // Both in one batch, the first run gives the path to the first name; the next finds it taken.
      expect(versions[1].reason).toBe(
        run === 0
          ? `another file (Data.raw of instrument ${name}) was being copied to ${name}/data.raw; this one was not copied there`
          : `a different file already exists at ${name}/data.raw; it was left untouched`,
      );
    }
  });

  it.each(['s3', 'smb'] as const)('delivers a later version of a file to %s under its own name (renamed on the way, through rclone rcd), next to the first', async (type) => {
    const { instrument, source, landed } = await localInstrumentInto(type, 'versions', { 'a.raw': 'first' });
    expect((await runHarvest(instrument.id)).outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    await writeFile(join(source, 'a.raw'), 'second, longer');
    await utimes(join(source, 'a.raw'), new Date(OLD.getTime() + 60_000), new Date(OLD.getTime() + 60_000));
    expect((await runHarvest(instrument.id)).outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1 }) });
    const versions = await db.dataSource.getRepository(FileVersionEntity).find({ where: { instrumentId: instrument.id }, order: { version: 'ASC' } });
    expect(versions.map((v) => v.status)).toEqual(['verified', 'verified']);
    expect(await landed()).toEqual(new Map([['a.raw', versions[0].sha256], ['a.v2.raw', versions[1].sha256]]));
  });

  it.each(['s3', 'smb'] as const)('re-copies a copy on %s whose SHA-256 differs from the source once, and verifies the second copy', async (type) => {
    const content = 'the instrument wrote this';
    const { instrument, name, landed } = await localInstrumentInto(type, 'spoiled', { 'data.bin': content });
    // The copy as the server keeps it on disk.
    const served = type === 's3' ? join(dir.path, 's3', 'archive', name, 'data.bin') : join(dir.path, 'smb-archive', 'instruments', name, 'data.bin');
    // Once the batch's rclone copy has ended, the copy's first byte goes bad on the server's disk,
    // its size and mtime kept (what the server says of it does not change); the one re-copy
    // (through rclone rcd) is left alone.
    const rclone = join(dir.path, `${name}-rclone.sh`);
    const spoil = `t=$(stat -c %y '${served}'); printf X | /bin/dd of='${served}' bs=1 count=1 conv=notrunc 2>/dev/null; touch -m -d "$t" '${served}'`;
    await writeFile(
      rclone,
      ['#!/bin/sh', `rclone='${requireTool('rclone', process.env)}'`, '[ "$1" = rcd ] && exec "$rclone" "$@"', '"$rclone" "$@"; rc=$?', `if [ "$1" = copy ]; then ${spoil}; fi`, 'exit $rc', ''].join('\n'),
      { mode: 0o755 },
    );

    const { outcome } = await runHarvest(instrument.id, undefined, rclone);

    expect(outcome).toEqual({ value: expect.objectContaining({ status: 'succeeded', filesDone: 1, filesFailed: 0 }) });
    const good = createHash('sha256').update(content).digest('hex');
    const bad = createHash('sha256').update(`X${content.slice(1)}`).digest('hex');
    expect(await landed()).toEqual(new Map([['data.bin', good]]));
    const version = await db.dataSource.getRepository(FileVersionEntity).findOneByOrFail({ instrumentId: instrument.id });
    expect(version).toMatchObject({ status: 'verified', sha256: good });
    // The bad copy's hash as read back from the server, then the re-copy's.
    const transfers = await db.dataSource.getRepository(TransferEntity).find({ where: { fileVersionId: version.id }, order: { attempt: 'ASC' } });
    expect(transfers.map((t) => [t.attempt, t.status, t.sourceSha256, t.destinationSha256])).toEqual([
      [1, 'mismatch', good, bad],
      [2, 'verified', good, good],
    ]);
    const deliveries = await db.dataSource.getRepository(FileDeliveryEntity).findBy({ fileVersionId: version.id });
    expect(deliveries).toEqual([expect.objectContaining({ status: 'verified', sourceSha256: good, destinationSha256: good })]);
    expect(await db.dataSource.getRepository(ArkEntity).countBy({ fileVersionId: version.id })).toBe(1);
  });

  it.each(['s3', 'smb'] as const)('fails fast, naming the storage location, when %s refuses its secret and every file is renamed on the way', async (type) => {
    const { instrument, name, landed } = await localInstrumentInto(type, 'refused', { 'a.raw': 'one', 'b.raw': 'two' });
    await db.dataSource.getRepository(InstrumentDestinationEntity).update({ instrumentId: instrument.id }, { pathTemplate: '{instrument}/renamed/{stem}-{version}{ext}' });
    const [link] = await db.dataSource.getRepository(InstrumentDestinationEntity).findBy({ instrumentId: instrument.id });
    await db.dataSource.getRepository(StorageLocationEntity).update({ id: link.storageLocationId }, { secretSealed: box.seal('not the secret') });

    const { outcome, run, handle } = await runHarvest(instrument.id);

    expect(outcome).toEqual({ error: expect.anything() });
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(new RegExp(`^storage location ${name}: credentials rejected: `)) });
    await expectFailedAtOnce(handle, 'processBatch', expect.stringMatching(new RegExp(`^storage location ${name}: credentials rejected: `)));
    expect(run.error).not.toContain('not the secret');
    expect(await landed().catch(() => new Map())).toEqual(new Map());
    expect(await db.dataSource.getRepository(FileVersionEntity).countBy({ instrumentId: instrument.id, status: 'verified' })).toBe(0);
  });

  it('fails fast and without retrying when the server has no share of that name', async () => {
    const instrument = await smbInstrument('Share-Pa55');
    await db.dataSource.getRepository(InstrumentEntity).update({ id: instrument.id }, { sourceConfig: { host: smb.host, port: smb.port, share: 'nosuchshare' } });
    const { outcome, run, handle } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ error: expect.anything() });
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(new RegExp(`^the source of instrument ${instrument.name}: .*The specified share name cannot be found`)) });
    // One listing attempt (rclone retries by itself for a few seconds); no activity retries.
    await expectFailedAtOnce(handle, 'discover', run.error);
  });

  it('fails the run with a clear error when the SMB host cannot be reached, after retrying', async () => {
    const instrument = await smbInstrument('Share-Pa55');
    const closedPort = await freePort();
    await db.dataSource.getRepository(InstrumentEntity).update({ id: instrument.id }, { sourceConfig: { host: '127.0.0.1', port: closedPort, share: smb.share } });
    // The test knob shortens the retry backoff (1 s, 2 s, 4 s, 8 s); production waits 5 s to 2 min.
    const { outcome, run } = await runHarvest(instrument.id, { heartbeatTimeoutSeconds: 30 });
    expect(outcome).toEqual({ error: expect.anything() });
    expect(run).toMatchObject({ status: 'failed', error: expect.stringContaining(`couldn't connect SMB: dial tcp 127.0.0.1:${closedPort}`) });
    expect(await db.dataSource.getRepository(FileVersionEntity).countBy({ instrumentId: instrument.id })).toBe(0);
  }, 180_000);
});
