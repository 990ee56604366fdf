import { Client, Connection } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArkEntity, FileVersionEntity, HarvestRunEntity, InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity, TransferEntity } from '@sheaf/db';
import { startHarvest } from '@sheaf/harvests';
import { startTemporalDevServer, type Service, type TemporalDevServer } from '@sheaf/local-infra';
import { SecretBox } from '@sheaf/crypto';
import { createTestDatabase, makeTempDir, startSambaShare, temporalCliPath, type SambaShare, type TempDir, type TestDatabase } from '@sheaf/test-harness';
import { isValidArk } from '@sheaf/ark';
import { requireTool } from '@sheaf/toolchain';
import { requireBuiltWorker, spawnBuiltWorker } from './built-worker';

const FILES = 12;
const FILE_BYTES = 8 * 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function tree(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (e.isFile()) out.set(relative(root, join(e.parentPath, e.name)), await readFile(join(e.parentPath, e.name)));
  }
  return out;
}

/** Processes still alive in a process group (pgrep exits 1 when there are none). */
function groupMembers(pgid: number): string[] {
  try {
    return execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * A worker process stopped (SIGTERM) or killed (SIGKILL of its whole process group, rclone
 * included) at several points of a harvest; another worker on the same task queue, already
 * running or started afterwards, finishes the run. Nothing may be lost, duplicated, truncated
 * or given two ARKs.
 */
describe('a stopped or killed worker loses and duplicates nothing', () => {
  let db: TestDatabase;
  let dir: TempDir;
  let temporal: TemporalDevServer;
  let client: Client;
  let connection: Connection;
  const shares: SambaShare[] = [];

  beforeAll(async () => {
    requireBuiltWorker();
    [db, dir] = await Promise.all([createTestDatabase(), makeTempDir()]);
    temporal = await startTemporalDevServer({
      binary: temporalCliPath(),
      dbFile: join(dir.path, 'temporal.db'),
      namespace: 'default',
      log: () => undefined,
    });
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
  });

  afterAll(async () => {
    for (const share of shares) await share.stop();
    await connection?.close();
    await temporal?.stop();
    await db?.drop();
    await dir?.cleanup();
  });

  // Workers open SMB storage locations' sealed passwords with it.
  const encryptionKey = randomBytes(32).toString('base64');
  const box = SecretBox.fromBase64(encryptionKey);

  function startWorker(taskQueue: string, name: string, lines: string[], rcloneBinary?: string, env: NodeJS.ProcessEnv = {}): Service {
    return spawnBuiltWorker(
      name,
      {
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        SHEAF_ENCRYPTION_KEY: encryptionKey,
        HARVEST_BATCH_FILES: '3',
        LOG_LEVEL: 'warn',
        // rclone reads its flags from the environment too: slow copies leave time to kill mid-copy.
        RCLONE_BWLIMIT: '16M',
        ...(rcloneBinary ? { SHEAF_RCLONE_BIN: rcloneBinary } : {}),
        ...env,
      },
      (line) => lines.push(line),
    );
  }

  /**
   * The real rclone behind a script that, once its first copy has ended, spoils every file that
   * copy (or another one) completed at `landing` (same size, first byte changed) and kills its
   * own process group: the worker and its rclone die after a copy, before it was verified.
   */
  async function spoilingRclone(landing: string, scratch: string): Promise<string> {
    const path = join(scratch, 'rclone-spoil-and-kill.sh');
    const once = join(scratch, 'spoiled');
    const spoil = `for f in '${landing}'/run/*.raw; do printf X | /bin/dd of="$f" bs=1 count=1 conv=notrunc 2>/dev/null; done`;
    const script = `"${requireTool('rclone', process.env)}" "$@"; rc=$?\nif [ "$1" = copy ] && mkdir '${once}' 2>/dev/null; then ${spoil}; kill -KILL 0; fi\nexit $rc`;
    await writeFile(path, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    return path;
  }

  /** When the test kills the worker; undefined: the worker's own rclone kills it (spoilingRclone). */
  const killPoints = {
    'in the middle of a copy': async ({ storage }: { storage: string; runId: string }) =>
      [...(await tree(storage)).keys()].some((p) => p.endsWith('.partial')),
    'between batches': async ({ runId }: { storage: string; runId: string }) => {
      const run = await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: runId });
      return run.batchesDone >= 1 && run.batchesDone < run.batchesTotal;
    },
    'after a copy that went bad, before it was verified': undefined,
  };

  it.each([
    ['SIGKILL', 'in the middle of a copy', 'started afterwards', 'posix'],
    ['SIGKILL', 'between batches', 'started afterwards', 'posix'],
    ['SIGKILL', 'in the middle of a copy', 'already running', 'posix'],
    ['SIGTERM', 'in the middle of a copy', 'already running', 'posix'],
    // The retried batch finds bad copies of its own where nothing was before it: it re-copies
    // them rather than failing them as someone else's files.
    ['SIGKILL', 'after a copy that went bad, before it was verified', 'started afterwards', 'posix'],
    // rclone writes to an SMB share through a .partial file too, named alike on every attempt:
    // the retry's copy replaces the one the killed rclone left.
    ['SIGKILL', 'in the middle of a copy', 'started afterwards', 'smb'],
  ] as const)('%s %s; another worker %s finishes the run (destination: %s)', async (signal, point, survivor, destination) => {
    const due = killPoints[point];
    const name = `crash-${Date.now().toString(36)}`;
    const source = join(dir.path, name, 'source');
    const storageRoot = join(dir.path, name, 'storage');
    await mkdir(source, { recursive: true });
    const expected = new Map<string, Buffer>();
    for (let i = 0; i < FILES; i++) {
      const content = Buffer.alloc(FILE_BYTES, i + 1);
      content.write(`file ${i}`, 0);
      const path = `run/${String(i).padStart(2, '0')}.raw`;
      await mkdir(join(source, 'run'), { recursive: true });
      await writeFile(join(source, path), content);
      await utimes(join(source, path), new Date('2026-01-01'), new Date('2026-01-01'));
      expected.set(path, content);
    }
    await chmod(join(dir.path, name), 0o755);
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: source } });
    let share: SambaShare | undefined;
    if (destination === 'smb') {
      // Stopped in afterAll, also when the test fails before the run ends.
      // The share serves storageRoot; smbd writes there as its own Unix account.
      await mkdir(storageRoot, { recursive: true });
      await chmod(dir.path, 0o755);
      await chmod(storageRoot, 0o777);
      share = await startSambaShare({ dir: storageRoot, shareName: 'archive', user: 'archiver', writable: true });
      shares.push(share);
    }
    const storage = await db.dataSource.getRepository(StorageLocationEntity).save(
      share
        ? { name, type: 'smb', config: { host: share.host, port: share.port, share: share.share, user: share.user }, secretSealed: box.seal(share.password) }
        : { name, type: 'posix', config: { path: storageRoot } },
    );
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });

    const taskQueue = `crash-${name}`;
    const lines: string[] = [];
    const landing = join(storageRoot, name);
    const victim = startWorker(taskQueue, 'worker-1', lines, due ? undefined : await spoilingRclone(landing, join(dir.path, name)));
    let other = survivor === 'already running' ? startWorker(taskQueue, 'worker-2', lines) : undefined;
    try {
      const run = await startHarvest({
        dataSource: db.dataSource,
        client,
        taskQueue,
        instrumentId: instrument.id,
        trigger: 'api',
        tuning: { heartbeatTimeoutSeconds: 5, window: 2 },
      });
      const deadline = Date.now() + 60_000;
      if (due) {
        while (!(await due({ storage: landing, runId: run.runId }))) {
          if (Date.now() > deadline) throw new Error(`the kill point was never reached:\n${lines.join('\n')}`);
          await sleep(50);
        }
        process.kill(-victim.pid, signal);
      }
      const killed = await Promise.race([victim.exited.then(() => true), sleep(Math.max(0, deadline - Date.now()), false, { ref: false })]);
      if (!killed) throw new Error(`the worker was never killed:\n${lines.join('\n')}`);
      // rclone was in the worker's process group: nothing of the stopped worker is left writing
      // (after SIGTERM, rclone takes a moment to clean up and exit).
      for (let i = 0; i < 50 && groupMembers(victim.pid).length; i++) await sleep(100);
      expect(groupMembers(victim.pid)).toEqual([]);

      other ??= startWorker(taskQueue, 'worker-2', lines);
      const result = await client.workflow.getHandle(run.workflowId).result();
      expect(result).toMatchObject({ status: 'succeeded', filesDone: FILES, filesFailed: 0 });
    } finally {
      // Also when the kill point was never reached or the run never ended: no worker (nor its
      // rclone) outlives the test, copying or polling the task queue. A stopped one returns at once.
      await Promise.all([victim.stop(), other?.stop()]);
    }

    const landed = await tree(landing);
    // Every file, complete, once; no leftover partial file.
    expect([...landed.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, content] of expected) expect(sha256(landed.get(path)!)).toBe(sha256(content));
    const versions = await db.dataSource.getRepository(FileVersionEntity).findBy({ instrumentId: instrument.id });
    expect(versions).toHaveLength(FILES);
    expect(versions.every((v) => v.status === 'verified')).toBe(true);
    const arks = await db.dataSource.getRepository(ArkEntity).find({ where: versions.map((v) => ({ fileVersionId: v.id })) });
    expect(arks).toHaveLength(FILES);
    expect(new Set(arks.map((a) => a.fileVersionId)).size).toBe(FILES);
    for (const a of arks) expect(isValidArk(a.ark)).toBe(true);
    if (!due) {
      // The copies spoiled before the kill were found bad by the retried batch, then re-copied.
      const transfers = await db.dataSource.getRepository(TransferEntity).findBy(versions.map((v) => ({ fileVersionId: v.id })));
      expect(transfers.filter((t) => t.status === 'mismatch').length).toBeGreaterThan(0);
    }
  });

  /**
   * SIGTERM to node alone (as tini passes on a container stop; rclone is not signalled) while
   * rclone copies: the worker drains. It used to die at once (killed by the signal it got) as
   * soon as any rclone ran: execa's exit handler, left the last SIGTERM listener once the SDK's had
   * removed itself, killed rclone and raised SIGTERM again. Its batch, slower than the SDK's 30 s
   * grace time, is then stopped as a worker shutdown (a failure Temporal retries, whose copies stay
   * for the retry to verify), and another worker finishes the run.
   */
  it('SIGTERM to the worker alone in the middle of a copy: it drains, its batch is stopped as a worker shutdown, and another worker finishes the run', async () => {
    const files = 6;
    const name = `drain-${Date.now().toString(36)}`;
    const source = join(dir.path, name, 'source');
    await mkdir(join(source, 'run'), { recursive: true });
    const expected = new Map<string, Buffer>();
    for (let i = 0; i < files; i++) {
      const content = Buffer.alloc(FILE_BYTES, i + 1);
      content.write(`file ${i}`, 0);
      const path = `run/${String(i).padStart(2, '0')}.raw`;
      await writeFile(join(source, path), content);
      await utimes(join(source, path), new Date('2026-01-01'), new Date('2026-01-01'));
      expected.set(path, content);
    }
    await chmod(join(dir.path, name), 0o755);
    const storageRoot = join(dir.path, name, 'storage');
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: source } });
    const storage = await db.dataSource.getRepository(StorageLocationEntity).save({ name, type: 'posix', config: { path: storageRoot } });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });

    const taskQueue = `crash-${name}`;
    const lines: string[] = [];
    const landing = join(storageRoot, name);
    // A batch (3 files of 8 MiB) takes this worker's rclone about 96 s: longer than the grace time.
    const victim = startWorker(taskQueue, 'worker-1', lines, undefined, { RCLONE_BWLIMIT: '256k' });
    let other: Service | undefined;
    try {
      const run = await startHarvest({ dataSource: db.dataSource, client, taskQueue, instrumentId: instrument.id, trigger: 'api', tuning: { heartbeatTimeoutSeconds: 5, window: 2 } });
      const deadline = Date.now() + 60_000;
      while (![...(await tree(landing)).keys()].some((p) => p.endsWith('.partial'))) {
        if (Date.now() > deadline) throw new Error(`no copy ever started:\n${lines.join('\n')}`);
        await sleep(50);
      }
      process.kill(victim.pid, 'SIGTERM');
      const exited = victim.exited.then((how) => ({ how, after: Date.now() }));
      const signalled = Date.now();
      // Draining: alive well after the signal (it died within milliseconds before).
      expect(await Promise.race([exited, sleep(5_000, 'alive', { ref: false })])).toBe('alive');
      // The batches still copying are stopped once the grace time (30 s) is up, then it exits of itself.
      const { how, after } = await Promise.race([exited, sleep(60_000, { how: 'still running', after: Date.now() }, { ref: false })]);
      expect(how).toBe('0');
      expect(after - signalled).toBeGreaterThanOrEqual(25_000);
      // It stopped its rclone on the way out.
      for (let i = 0; i < 50 && groupMembers(victim.pid).length; i++) await sleep(100);
      expect(groupMembers(victim.pid)).toEqual([]);
      // Its batches ended as stopped by the shutdown (retried, not counted against the batch as a fault of its own).
      expect(lines.some((line) => line.includes('stopped as its worker shut down'))).toBe(true);

      other = startWorker(taskQueue, 'worker-2', lines);
      const result = await client.workflow.getHandle(run.workflowId).result();
      expect(result).toMatchObject({ status: 'succeeded', filesDone: files, filesFailed: 0 });
    } finally {
      await Promise.all([victim.stop(), other?.stop()]);
    }

    const landed = await tree(landing);
    // Every file, complete, once; no leftover partial file.
    expect([...landed.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, content] of expected) expect(sha256(landed.get(path)!)).toBe(sha256(content));
    const versions = await db.dataSource.getRepository(FileVersionEntity).findBy({ instrumentId: instrument.id });
    expect(versions).toHaveLength(files);
    expect(versions.every((v) => v.status === 'verified')).toBe(true);
    const arks = await db.dataSource.getRepository(ArkEntity).find({ where: versions.map((v) => ({ fileVersionId: v.id })) });
    expect(new Set(arks.map((a) => a.fileVersionId)).size).toBe(files);
    expect(arks).toHaveLength(files);
  });
});
