import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource, EntityManager } from 'typeorm';
import { changedRows } from '@sheaf/db';
import type { ListedFile } from '@sheaf/rclone';
import type { PlannedSoFar } from '@sheaf/workflows';
import { FAILURE_TYPES } from './locations';

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
function copyText(value: string): string {
  // Testing first halves the cost for the usual value, which has none of them.
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]) : value;
}
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** What discovery decided for a run. */
export interface RunPlan {
  listedFiles: number;
  listedBytes: number;
  files: number;
  bytes: number;
  deferred: number;
  batches: number;
  /** The folders the listing could not read, in words (PlanOptions.unlisted). */
  unlisted?: string;
}

export interface PlanOptions {
  /** Hears of each committed piece of the plan, with the run's plan so far. */
  onPlanned?: (soFar: PlannedSoFar) => Promise<void>;
  /** Stops planning between pieces (what is committed stays: the next run takes it). */
  signal?: AbortSignal;
  /** Entries in the first piece (default: FIRST_PIECE_BATCHES full batches). */
  firstPieceFiles?: number;
  /** Entries in each later piece (default: PIECE_BATCHES full batches). */
  pieceFiles?: number;
  /**
   * The folders the listing could not read, in words (DiscoverResult.unlisted). Kept on the run
   * (its `error` while it goes), and no destination counts as searched for missing copies: the
   * versions in those folders were not looked at.
   */
  unlisted?: string;
}

/** The first piece of a plan fills a window of batches, so copying starts as early as it can. */
const FIRST_PIECE_BATCHES = 4;
/**
 * Later pieces are larger (fewer commits and signals; 50 for a million files) and short enough
 * (seconds each) that copying never waits long for the next.
 */
const PIECE_BATCHES = 20;

export interface BatchLimits {
  maxFiles: number;
  maxBytes: number;
}

/** One file version of a batch, with what is already recorded about it. */
export interface BatchFile {
  id: string;
  path: string;
  size: number;
  mtime: Date;
  version: number;
  status: 'pending' | 'held' | 'skipped' | 'verified' | 'failed';
  attempts: number;
  sha256: string | null;
  metadata: Record<string, string>;
  access: { groups: string[]; projects: string[] };
  postHooksDone: boolean;
  /** Where the pre-hooks redirected it, stored with its verdict (null: its own path). */
  routedPath: string | null;
  ark: string | null;
  /** Storage locations this version is already verified at. */
  verifiedAt: Set<string>;
}

/** The destination paths a batch was about to copy to (as a digest), and those of them that held a file. */
export interface DestinationLook {
  wanted: string;
  existing: string[];
}

/** A version's claim on a destination path; `key` stands for the path as the location compares names. */
export interface PathClaim {
  fileVersionId: string;
  key: string;
}

/** The version that holds a destination path another one wanted. */
export interface ClaimHolder {
  instrument: string;
  path: string;
}

/** The run holding an instrument's lease, and its workflow. */
export interface LeaseHolder {
  runId: string;
  workflowId: string | null;
}

/** Whether a run took its instrument's lease (acquireLease), and if not, who holds it. */
export type LeaseOutcome = { acquired: true } | { acquired: false; holder: LeaseHolder };

/** A verified or failed delivery of one file to one destination, with its attempts. */
export interface DeliveryOutcome {
  fileVersionId: string;
  storageLocationId: string;
  destinationPath: string;
  sourceSha256: string | null;
  destinationSha256: string | null;
  verified: boolean;
  attempts: Array<{ bytes: number; durationMs: number; destinationSha256: string | null; status: 'verified' | 'mismatch' | 'failed'; error: string | null }>;
  error: string | null;
}

/** What a verified version takes along besides its deliveries. */
export interface VersionSettlement {
  /** Metadata, access and redirect the pre-hooks gave each version. */
  enrichment: ReadonlyMap<string, Pick<BatchFile, 'metadata' | 'access' | 'routedPath'>>;
  /** Whether post-hooks still have to run (false: the version is done once verified). */
  postHooks: boolean;
  /** Versions with no new outcome whose copies are all verified already, settled too. */
  delivered?: readonly string[];
}

/** A modification time further ahead of the database's clock than this is an instrument clock ahead. */
const CLOCK_DRIFT_SECONDS = 300;

/**
 * A version `fv` no later version of its path superseded. One that was (another attempt's
 * discovery listed the change) is never set back to waiting (pending, held, failed): no listing
 * would ever name it again.
 */
const NOT_SUPERSEDED = `NOT EXISTS (SELECT 1 FROM file_versions later WHERE later.instrument_id = fv.instrument_id AND later.path = fv.path AND later.version > fv.version)`;

/**
 * The run's row ($1) while the run is pending or running, key-share-locked until the transaction
 * ends: what a batch records after it started is recorded only while its run is open. An attempt
 * can outlive its run (its heartbeat lost, the run cancelled or failed and closed meanwhile).
 * closeRun locks the row FOR UPDATE before closing the run, so one waits for the other: a
 * transaction holding this lock commits before the run is closed (and closing lets go of its
 * claims), and one asking after the close finds no row. Batches' own updates of the row (their
 * counters) do not conflict with this lock.
 */
const RUN_STILL_OPEN = `SELECT id FROM harvest_runs WHERE id = $1 AND status IN ('pending', 'running') FOR KEY SHARE`;

/** What an attempt that outlived its run is told when it would record something: no retry helps. */
function runEnded(runId: string, what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`harvest run ${runId} has ended; ${what}`, FAILURE_TYPES.notFound);
}

/** Times a batch asks for destination paths let go while it claimed them, before it gives up (and is retried). */
const CLAIM_ROUNDS = 3;

/** Times a run asks for its instrument's lease when the holder the insert found has let go before it was looked up. */
const LEASE_ROUNDS = 5;

/** Fresh draws for ARKs that collided before a batch gives up (and is retried). */
const MINT_DRAWS = 5;

/**
 * The harvest's SQL, by intent. File lists live here, never in workflow payloads: the workflow
 * passes run ids and batch numbers.
 */
export class HarvestCatalogue {
  constructor(private readonly db: DataSource) {}

  /**
   * At most one harvest per instrument: takes the instrument's lease for the run unless another
   * pending or running run holds it. `acquired: true` only once a lease row naming this run is
   * committed; otherwise `acquired: false` with the holder and its workflow.
   */
  async acquireLease(instrumentId: string, runId: string): Promise<LeaseOutcome> {
    for (let round = 0; round < LEASE_ROUNDS; round++) {
      const taken: Array<{ run_id: string }> = await this.db.query(
        `INSERT INTO instrument_leases (instrument_id, run_id) VALUES ($1, $2)
         ON CONFLICT (instrument_id) DO UPDATE SET run_id = EXCLUDED.run_id, acquired_at = now()
         WHERE instrument_leases.run_id = EXCLUDED.run_id
            OR NOT EXISTS (SELECT 1 FROM harvest_runs r
                           WHERE r.id = instrument_leases.run_id AND r.status IN ('pending', 'running'))
         RETURNING run_id`,
        [instrumentId, runId],
      );
      if (taken.length) return { acquired: true };
      const holder: Array<{ run_id: string; workflow_id: string | null }> = await this.db.query(
        `SELECT l.run_id, r.workflow_id FROM instrument_leases l JOIN harvest_runs r ON r.id = l.run_id WHERE l.instrument_id = $1`,
        [instrumentId],
      );
      if (holder.length) return { acquired: false, holder: { runId: holder[0].run_id, workflowId: holder[0].workflow_id } };
      // No holder now: the one the insert found was being closed (its run's new status not yet
      // committed when the insert looked, its lease gone when the holder was looked for). That
      // is no lease for this run: asked again, or this run and the next would both harvest.
    }
    throw new Error(`could not take or find the lease of instrument ${instrumentId} in ${LEASE_ROUNDS} rounds`);
  }

  /** The plan of a run whose discovery already committed (a retried activity), if any. */
  async existingPlan(runId: string): Promise<RunPlan | undefined> {
    const rows: Array<Record<string, string>> = await this.db.query(
      `SELECT files_discovered, bytes_discovered, files_total, bytes_total, listing_deferred, batches_total, phase, error
       FROM harvest_runs WHERE id = $1 AND phase IN ('transferring', 'finished')`,
      [runId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      listedFiles: Number(r.files_discovered),
      listedBytes: Number(r.bytes_discovered),
      files: Number(r.files_total),
      bytes: Number(r.bytes_total),
      deferred: Number(r.listing_deferred),
      batches: Number(r.batches_total),
      // While the run goes, its error can only be what its listing could not read (plan()).
      ...(r.phase === 'transferring' && r.error && { unlisted: r.error }),
    };
  }

  /** A listing to stage the run's files into, on a connection of its own: close it when done. */
  async openListing(runId: string): Promise<RunListing> {
    const runner = this.db.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      await client.query(`DROP TABLE IF EXISTS pg_temp.run_listing`);
      await client.query(`CREATE TEMP TABLE run_listing (path text NOT NULL, size bigint NOT NULL, mtime timestamptz NOT NULL)`);
    } catch (err) {
      await runner.release();
      throw err;
    }
    return new RunListing(runId, client, () => runner.release());
  }

  /**
   * Marks the batch started by this worker, unless it is done already or its run has ended (a
   * late attempt, or a workflow reset after the run was closed: nothing is recorded after that).
   */
  async startBatch(runId: string, batchNo: number, worker: string): Promise<'started' | 'done' | 'run ended'> {
    const [row]: Array<{ open: boolean; started: boolean }> = await this.db.query(
      `WITH run AS (SELECT status IN ('pending', 'running') AS open FROM harvest_runs WHERE id = $1),
            started AS (
              UPDATE harvest_batches SET status = 'running', attempts = attempts + 1, worker = $3, started_at = now()
              WHERE run_id = $1 AND batch_no = $2 AND status <> 'done' AND (SELECT open FROM run)
              RETURNING batch_no)
       SELECT coalesce((SELECT open FROM run), false) AS open, EXISTS (SELECT 1 FROM started) AS started`,
      [runId, batchNo, worker],
    );
    if (!row.open) return 'run ended';
    return row.started ? 'started' : 'done';
  }

  /**
   * What this batch found at a storage location before it first copied there: `firstLook` when
   * this is its first look (recorded before anything is copied), what was recorded then on every
   * later attempt.
   */
  async firstLook(runId: string, batchNo: number, storageLocationId: string, firstLook: DestinationLook): Promise<DestinationLook> {
    const rows = await changedRows<{ look: DestinationLook }>(
      this.db,
      `UPDATE harvest_batches
       SET preexisting = jsonb_set(coalesce(preexisting, '{}'), ARRAY[$3::text], coalesce(preexisting -> $3::text, $4::jsonb))
       WHERE run_id = $1 AND batch_no = $2
       RETURNING preexisting -> $3::text AS look`,
      [runId, batchNo, storageLocationId, JSON.stringify(firstLook)],
    );
    if (!rows.length) throw new Error(`batch ${batchNo} of run ${runId} is not in the catalogue`);
    return rows[0].look;
  }

  /**
   * Claims destination paths at one storage location for the versions to be copied there,
   * before anything is looked at or copied: two batches copying two files to one path at once
   * would each find it free. A path held already (by another batch, or by a version listed
   * earlier in `claims`) stays with its holder; a version's own claim, kept from an earlier
   * attempt of its batch, is its own again. A claim left by a run that has ended holds nothing
   * (closing a run lets go of its claims; one an attempt that outlived its run made before this
   * check, kept, would have held its path for good) and is let go. Returns the versions that did
   * not get their path, with the holder's instrument and source path (undefined if it is no
   * longer catalogued). Throws a non-retryable failure when this run has ended: an attempt that
   * outlived it (its heartbeat lost) claims nothing, for no one would let go of its claims.
   */
  async claimPaths(runId: string, storageLocationId: string, claims: readonly PathClaim[]): Promise<Map<string, ClaimHolder | undefined>> {
    const holderOf = new Map<string, string>();
    for (let round = 0; ; round++) {
      const open = claims.filter((c) => !holderOf.has(c.key));
      if (!open.length) break;
      // A path let go between the insert and the look below has no holder: asked again.
      if (round === CLAIM_ROUNDS) throw new Error(`could not claim ${open.length} destination path(s) in ${CLAIM_ROUNDS} rounds`);
      // In key order, as every batch claims: two batches claiming the same paths at once wait
      // for each other in one order, never in a cycle. A path held already locks nothing (no
      // update), so letting go of claims never waits for a batch that claims. Of two versions
      // of `claims` bound for one path, the one listed first gets it. Only while the run is open,
      // its row key-share-locked until the claims are committed (RUN_STILL_OPEN): closing the run
      // either waits for them, and lets them go, or comes first, and none is made.
      const [{ still_open: stillOpen, keys, ids }]: Array<{ still_open: boolean; keys: string[]; ids: string[] }> = await this.db.query(
        `WITH run AS (${RUN_STILL_OPEN}),
         won AS (
           INSERT INTO destination_claims (storage_location_id, path_key, file_version_id, run_id)
           SELECT DISTINCT ON (w.key) $2, w.key, w.id, $1
           FROM unnest($3::text[], $4::uuid[]) WITH ORDINALITY AS w(key, id, ord)
           WHERE EXISTS (SELECT 1 FROM run)
           ORDER BY w.key, w.ord
           ON CONFLICT DO NOTHING
           RETURNING path_key, file_version_id)
         SELECT EXISTS (SELECT 1 FROM run) AS still_open, coalesce(array_agg(path_key), '{}') AS keys,
                coalesce(array_agg(file_version_id), '{}') AS ids
         FROM won`,
        [runId, storageLocationId, open.map((c) => c.key), open.map((c) => c.fileVersionId)],
      );
      if (!stillOpen) throw runEnded(runId, 'it claims no destination path');
      keys.forEach((key, i) => holderOf.set(key, ids[i]));
      const taken = [...new Set(open.filter((c) => !holderOf.has(c.key)).map((c) => c.key))];
      if (!taken.length) continue;
      // The holders, unless their run has ended: those claims go (in key order, passing over
      // any another batch is letting go of right now), and the next round asks for the paths again.
      const held: Array<{ path_key: string; file_version_id: string }> = await this.db.query(
        `WITH stale AS (
           DELETE FROM destination_claims c
           USING (SELECT s.path_key FROM destination_claims s
                  WHERE s.storage_location_id = $1 AND s.path_key = ANY($2::text[])
                    AND NOT EXISTS (SELECT 1 FROM harvest_runs r WHERE r.id = s.run_id AND r.status IN ('pending', 'running'))
                  ORDER BY s.path_key
                  FOR UPDATE SKIP LOCKED) s
           WHERE c.storage_location_id = $1 AND c.path_key = s.path_key)
         SELECT c.path_key, c.file_version_id FROM destination_claims c
         WHERE c.storage_location_id = $1 AND c.path_key = ANY($2::text[])
           AND EXISTS (SELECT 1 FROM harvest_runs r WHERE r.id = c.run_id AND r.status IN ('pending', 'running'))`,
        [storageLocationId, taken],
      );
      for (const h of held) holderOf.set(h.path_key, h.file_version_id);
    }
    const lost = claims.filter((c) => holderOf.get(c.key) !== c.fileVersionId);
    if (!lost.length) return new Map();
    const holders: Array<{ id: string; path: string; instrument: string }> = await this.db.query(
      `SELECT fv.id, fv.path, i.name AS instrument FROM file_versions fv JOIN instruments i ON i.id = fv.instrument_id WHERE fv.id = ANY($1::uuid[])`,
      [[...new Set(lost.map((c) => holderOf.get(c.key)))]],
    );
    const byId = new Map(holders.map((h) => [h.id, h]));
    return new Map(lost.map((c) => [c.fileVersionId, byId.get(holderOf.get(c.key)!)]));
  }

  /** Lets go of destination paths claimed with claimPaths, once their verdicts are recorded. */
  async releasePaths(claims: ReadonlyArray<PathClaim & { storageLocationId: string }>): Promise<void> {
    if (!claims.length) return;
    await this.db.query(
      `DELETE FROM destination_claims c
       USING unnest($1::uuid[], $2::text[], $3::uuid[]) AS r(location, key, id)
       WHERE c.storage_location_id = r.location AND c.path_key = r.key AND c.file_version_id = r.id`,
      [claims.map((c) => c.storageLocationId), claims.map((c) => c.key), claims.map((c) => c.fileVersionId)],
    );
  }

  async loadBatch(runId: string, batchNo: number): Promise<BatchFile[]> {
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT fv.id, fv.path, fv.size, fv.mtime, fv.version, fv.status, fv.attempts, fv.sha256, fv.metadata, fv.access,
              fv.post_hooks_done, fv.routed_path, a.ark,
              coalesce(array_agg(d.storage_location_id) FILTER (WHERE d.status = 'verified'), '{}') AS verified_at
       FROM harvest_items hi
       JOIN file_versions fv ON fv.id = hi.file_version_id
       LEFT JOIN arks a ON a.file_version_id = fv.id
       LEFT JOIN file_deliveries d ON d.file_version_id = fv.id
       WHERE hi.run_id = $1 AND hi.batch_no = $2
       GROUP BY fv.id, a.ark
       ORDER BY fv.path`,
      [runId, batchNo],
    );
    return rows.map((r) => ({
      id: r.id as string,
      path: r.path as string,
      size: Number(r.size),
      mtime: r.mtime as Date,
      version: r.version as number,
      status: r.status as BatchFile['status'],
      attempts: r.attempts as number,
      sha256: r.sha256 as string | null,
      metadata: r.metadata as Record<string, string>,
      access: r.access as BatchFile['access'],
      postHooksDone: r.post_hooks_done as boolean,
      routedPath: r.routed_path as string | null,
      ark: r.ark as string | null,
      verifiedAt: new Set(r.verified_at as string[]),
    }));
  }

  /**
   * Pre-hook outcomes that keep a file out of this run, recorded at once. Never a verified
   * version: its verdict and ARK stand (two attempts of one batch may overlap after a lost
   * heartbeat, and the other may have verified it meanwhile). Nor a version a later one of its
   * path superseded (another attempt's discovery listed the change): set back to pending or
   * held, no listing would ever name it again.
   */
  async setAside(decisions: Array<{ fileVersionId: string; status: 'skipped' | 'held' | 'pending'; reason: string }>): Promise<void> {
    if (!decisions.length) return;
    await this.db.query(
      `UPDATE file_versions fv SET status = d.status, reason = d.reason, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS d("fileVersionId" uuid, status text, reason text)
       WHERE fv.id = d."fileVersionId" AND fv.status <> 'verified'
         AND ${NOT_SUPERSEDED}`,
      [JSON.stringify(decisions)],
    );
  }

  /** Where the catalogue records a verified copy of any of `versions` at a storage location (its primary key serves it). */
  async verifiedCopies(storageLocationId: string, versions: readonly string[]): Promise<Set<string>> {
    const rows: Array<{ destination_path: string }> = await this.db.query(
      `SELECT destination_path FROM file_deliveries WHERE file_version_id = ANY($2::uuid[]) AND storage_location_id = $1 AND status = 'verified'`,
      [storageLocationId, versions],
    );
    return new Set(rows.map((row) => row.destination_path));
  }

  /** Versions verified before that a pre-hook skipped in this run: counted as skipped, not failed. */
  async markHookSkipped(runId: string, fileVersionIds: readonly string[]): Promise<void> {
    if (!fileVersionIds.length) return;
    await this.db.query(`UPDATE harvest_items SET hook_skipped = true WHERE run_id = $1 AND file_version_id = ANY($2::uuid[]) AND NOT hook_skipped`, [
      runId,
      fileVersionIds,
    ]);
  }

  /**
   * Records deliveries and their attempts; a version verified at every destination becomes
   * verified and gets its ARK, in the same transaction (a retry finds it and mints nothing).
   * Throws a non-retryable failure, recording nothing, once the run has ended.
   */
  async recordDeliveries(
    runId: string,
    outcomes: readonly DeliveryOutcome[],
    destinationIds: readonly string[],
    mint: () => string,
    settle: VersionSettlement,
  ): Promise<void> {
    const delivered = settle.delivered ?? [];
    if (!outcomes.length && !delivered.length) return;
    await this.db.transaction(async (tx) => {
      // First: nothing is recorded for a run that has ended (an attempt that outlived it).
      if (!(await tx.query(RUN_STILL_OPEN, [runId])).length) throw runEnded(runId, 'its batch records no delivery');
      // The deliveries this call records: new, or not verified before. One verified already (by
      // another attempt of the batch that overlapped this one after a lost heartbeat) keeps its
      // verdict, and this attempt's transfers to it are not recorded: the run would count that
      // copy twice (the transfers' trigger adds every verified one to the run's per-destination counts).
      const written: Array<{ file_version_id: string; storage_location_id: string }> = await tx.query(
        `INSERT INTO file_deliveries (file_version_id, storage_location_id, destination_path, status, source_sha256,
                                      destination_sha256, verified_at, reason)
         SELECT o."fileVersionId", o."storageLocationId", o."destinationPath",
                CASE WHEN o.verified THEN 'verified' ELSE 'failed' END, o."sourceSha256", o."destinationSha256",
                CASE WHEN o.verified THEN now() END, CASE WHEN NOT o.verified THEN o.error END
         FROM jsonb_to_recordset($1::jsonb) AS o("fileVersionId" uuid, "storageLocationId" uuid, "destinationPath" text,
              verified boolean, "sourceSha256" text, "destinationSha256" text, error text)
         ON CONFLICT (file_version_id, storage_location_id) DO UPDATE
           SET status = EXCLUDED.status, destination_path = EXCLUDED.destination_path,
               source_sha256 = EXCLUDED.source_sha256, destination_sha256 = EXCLUDED.destination_sha256,
               verified_at = EXCLUDED.verified_at, reason = EXCLUDED.reason
         WHERE file_deliveries.status <> 'verified'
         RETURNING file_version_id, storage_location_id`,
        [JSON.stringify(outcomes)],
      );
      const recorded = new Set(written.map((w) => `${w.file_version_id} ${w.storage_location_id}`));
      await this.settleVersions(
        tx,
        [...new Set([...outcomes.map((o) => o.fileVersionId), ...delivered])],
        destinationIds,
        mint,
        outcomes.filter((o) => !o.verified),
        settle,
      );
      // Last: the transfers' trigger adds them to the run's per-destination counters, one row that
      // every batch of the run updates. Its lock is held until commit, so taken as late as possible
      // (taken first, it made concurrent batches wait ~0.1 s each for one another).
      const attempts = outcomes.flatMap((o) =>
        !recorded.has(`${o.fileVersionId} ${o.storageLocationId}`) ? [] : o.attempts.map((a, i) => ({
          fileVersionId: o.fileVersionId,
          storageLocationId: o.storageLocationId,
          attempt: i + 1,
          bytes: a.bytes,
          durationMs: a.durationMs,
          sourceSha256: o.sourceSha256,
          destinationSha256: a.destinationSha256,
          status: a.status,
          error: a.error,
        })),
      );
      await tx.query(
        `INSERT INTO transfers (run_id, file_version_id, storage_location_id, attempt, bytes, duration_ms, source_sha256,
                                destination_sha256, status, error)
         SELECT $1, t."fileVersionId", t."storageLocationId", t.attempt, t.bytes, t."durationMs", t."sourceSha256",
                t."destinationSha256", t.status, t.error
         FROM jsonb_to_recordset($2::jsonb) AS t("fileVersionId" uuid, "storageLocationId" uuid, attempt int, bytes bigint,
              "durationMs" int, "sourceSha256" text, "destinationSha256" text, status text, error text)`,
        [runId, JSON.stringify(attempts)],
      );
    });
  }

  private async settleVersions(
    tx: EntityManager,
    ids: string[],
    destinationIds: readonly string[],
    mint: () => string,
    failures: readonly DeliveryOutcome[],
    settle: VersionSettlement,
  ): Promise<void> {
    // Deliveries only (their foreign key vouches for the version): joined with file_versions and
    // with stale statistics, this scanned every delivery ever recorded for each batch.
    // A version's copies verified against different source bytes (verified at one destination in
    // one run, at another in a later run, the source rewritten meanwhile with the same size and
    // modification time) are not one version: it is not verified (no ARK may name two contents),
    // and fails, saying which bytes each destination holds. Its copies are then no longer counted
    // as verified (below), or every later run would find nothing to copy and fail it again.
    const copied: Array<{ id: string; sha256: string; hashes: number }> = await tx.query(
      `SELECT d.file_version_id AS id, min(d.source_sha256) AS sha256, count(DISTINCT d.source_sha256)::int AS hashes
       FROM file_deliveries d
       WHERE d.file_version_id = ANY($1::uuid[]) AND d.status = 'verified' AND d.storage_location_id = ANY($2::uuid[])
       GROUP BY d.file_version_id HAVING count(*) = $3`,
      [ids, destinationIds, destinationIds.length],
    );
    const complete = copied.filter((c) => c.hashes <= 1);
    const disagreeing = copied.filter((c) => c.hashes > 1).map((c) => c.id);
    const failed = new Map<string, string>();
    if (disagreeing.length) {
      const copies: Array<{ id: string; copies: string }> = await tx.query(
        `SELECT d.file_version_id AS id, string_agg(s.name || ': SHA-256 ' || d.source_sha256, ', ' ORDER BY s.name) AS copies
         FROM file_deliveries d JOIN storage_locations s ON s.id = d.storage_location_id
         WHERE d.file_version_id = ANY($1::uuid[]) AND d.status = 'verified' AND d.storage_location_id = ANY($2::uuid[])
         GROUP BY d.file_version_id`,
        [disagreeing, destinationIds],
      );
      for (const c of copies) {
        failed.set(
          c.id,
          `its copies were verified against different source bytes (${c.copies}): the source changed between runs, its size and ` +
            `modification time did not; not verified, no ARK minted; the next run verifies its copies against the source again`,
        );
      }
    }
    if (complete.length) {
      // One update per version: every index of file_versions is written on each update (the
      // status is indexed), so the pre-hooks' metadata and redirect and, without post-hooks, their
      // completion ride along with the verdict. A version verified before (a copy for a
      // destination added later) keeps its verdict, time and metadata.
      const verified = await changedRows<{ id: string }>(
        tx,
        `UPDATE file_versions fv SET status = 'verified', sha256 = c.sha256, reason = NULL, verified_at = now(),
                attempts = attempts + 1, updated_at = now(),
                metadata = coalesce(c.metadata, fv.metadata), access = coalesce(c.access, fv.access),
                routed_path = c."routedPath", post_hooks_done = fv.post_hooks_done OR $2
         FROM jsonb_to_recordset($1::jsonb) AS c(id uuid, sha256 text, metadata jsonb, access jsonb, "routedPath" text)
         WHERE fv.id = c.id AND fv.status <> 'verified'
         RETURNING fv.id`,
        [JSON.stringify(complete.map(({ id, sha256 }) => ({ id, sha256, ...settle.enrichment.get(id) }))), !settle.postHooks],
      );
      // Minted with the verdict, in this transaction: a version verified before has its ARK.
      await this.mintArks(tx, verified.map((v) => v.id), mint);
    }
    const done = new Set(complete.map((c) => c.id));
    for (const f of failures) if (!done.has(f.fileVersionId) && !failed.has(f.fileVersionId)) failed.set(f.fileVersionId, f.error ?? 'delivery failed');
    if (failed.size) {
      // A verified version whose copy to a later destination failed stays verified: its
      // delivery there is recorded as failed, counted by the batch and retried by the next run.
      const failedNow = await changedRows<{ id: string }>(
        tx,
        `UPDATE file_versions fv SET status = 'failed', reason = f.reason, attempts = attempts + 1, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS f(id uuid, reason text) WHERE fv.id = f.id AND fv.status <> 'verified' AND ${NOT_SUPERSEDED}
         RETURNING fv.id`,
        [JSON.stringify([...failed].map(([id, reason]) => ({ id, reason })))],
      );
      const disagreed = new Set(disagreeing);
      await this.unverifyDisagreeing(tx, failedNow.map((f) => f.id).filter((id) => disagreed.has(id)), destinationIds);
    }
  }

  /**
   * The verified deliveries of versions failed for copies verified against different source
   * bytes, at `destinationIds`, recorded as failed, with the bytes each was verified against:
   * left verified, every later batch would copy nothing for them and fail them again, run after
   * run, until someone edited the catalogue. The next run takes the version again (failed) and
   * copies to each destination as to one without a copy. Its first look finds the copies there
   * as files that were there before, so they are never overwritten or removed: one holding the
   * source's bytes then is verified again, one holding other bytes (maybe the only copy of bytes
   * the source no longer has) is left untouched, and fails the version as "a different file
   * already exists" until it is moved aside. Their transfers stay, as the record of what was
   * verified when. Never for a version verified (with its ARK): the update that fails it passes
   * over one.
   */
  private async unverifyDisagreeing(tx: EntityManager, ids: readonly string[], destinationIds: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await tx.query(
      `UPDATE file_deliveries d
       SET status = 'failed', verified_at = NULL,
           reason = 'verified against SHA-256 ' || d.source_sha256 || ' of the source, another copy of this version against other '
                    || 'bytes: no longer counted as verified; the next run verifies this copy against the source again, and leaves '
                    || 'it untouched if it differs'
       WHERE d.file_version_id = ANY($1::uuid[]) AND d.status = 'verified' AND d.storage_location_id = ANY($2::uuid[])`,
      [ids, destinationIds],
    );
  }

  /**
   * One ARK per version: a version that has one keeps it (a retry mints nothing new), and a
   * freshly minted ARK that collides with an existing one (random blades: about one in a
   * million at a million ARKs) is drawn again.
   */
  private async mintArks(tx: EntityManager, ids: string[], mint: () => string): Promise<void> {
    let missing = ids;
    for (let draw = 0; missing.length > 0; draw++) {
      if (draw === MINT_DRAWS) throw new Error(`could not mint unique ARKs for ${missing.length} file version(s) in ${MINT_DRAWS} draws`);
      await tx.query(
        `INSERT INTO arks (ark, file_version_id)
         SELECT a.ark, a.id FROM jsonb_to_recordset($1::jsonb) AS a(ark text, id uuid)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(missing.map((id) => ({ id, ark: mint() })))],
      );
      const left: Array<{ id: string }> = await tx.query(
        `SELECT id FROM unnest($1::uuid[]) AS v(id) WHERE NOT EXISTS (SELECT 1 FROM arks a WHERE a.file_version_id = v.id)`,
        [missing],
      );
      missing = left.map((r) => r.id);
    }
  }

  async recordPostHooks(
    done: Array<{ id: string; metadata: Record<string, string>; access: BatchFile['access'] }>,
    held: Array<{ id: string; reason: string }>,
  ): Promise<void> {
    if (done.length) {
      await this.db.query(
        `UPDATE file_versions fv SET metadata = r.metadata, access = r.access, post_hooks_done = true, reason = NULL, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, metadata jsonb, access jsonb) WHERE fv.id = r.id`,
        [JSON.stringify(done)],
      );
    }
    // Still owed (post_hooks_done stays false); the reason is what marks a verified version held.
    if (held.length) {
      await this.db.query(
        `UPDATE file_versions fv SET reason = r.reason, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, reason text) WHERE fv.id = r.id AND fv.status = 'verified' AND NOT fv.post_hooks_done`,
        [JSON.stringify(held)],
      );
    }
  }

  /**
   * Closes the batch and adds its outcome to the run's counters, exactly once. Its failed, held
   * and deferred files keep their outcome and reason on the run's items, as they were now: the
   * versions' own status and reason change with later runs, the run's page must say what
   * happened in it. Throws a non-retryable failure, changing nothing, once the run has ended.
   */
  async finishBatch(runId: string, batchNo: number): Promise<BatchCounts> {
    return this.db.transaction(async (tx) => {
      // First (before the claims below, which closing the run deletes too): a run that has
      // ended keeps the counts it was closed with, and its audit event says them.
      if (!(await tx.query(RUN_STILL_OPEN, [runId])).length) throw runEnded(runId, `its batch ${batchNo} is not closed`);
      const closed = await changedRows(
        tx,
        `UPDATE harvest_batches SET status = 'done', finished_at = now() WHERE run_id = $1 AND batch_no = $2 AND status <> 'done'
         RETURNING batch_no`,
        [runId, batchNo],
      );
      // Verified counts as done only with a verified copy at every destination the instrument
      // has now and its post-hooks run: a version whose copy to a later destination failed
      // counts as failed, one a pre-hook kept from it as skipped, one a post-hook held as held
      // (it keeps a reason while its post-hooks are owed; a verified version has none otherwise),
      // one set aside for a later run (changed or gone since the listing) as deferred. A batch
      // cancelled while its post-hooks ran counts the versions they had not reached as done
      // (verified and given ARKs in its run); the next run counts them again when it runs them.
      const [counts]: Array<Record<string, string>> = await tx.query(
        `WITH judged AS (
           SELECT hi.file_version_id AS id, fv.instrument_id, fv.size, fv.status, fv.reason,
                  CASE WHEN fv.status = 'verified' AND v.incomplete THEN CASE WHEN hi.hook_skipped THEN 'skipped' ELSE 'failed' END
                       WHEN fv.status = 'verified' AND v.post_held THEN 'held'
                       WHEN fv.status = 'pending' THEN 'deferred'
                       ELSE fv.status END AS outcome
           FROM harvest_items hi
           JOIN file_versions fv ON fv.id = hi.file_version_id
           CROSS JOIN LATERAL (
             SELECT fv.status = 'verified' AND EXISTS (
               SELECT 1 FROM instrument_destinations d
               WHERE d.instrument_id = fv.instrument_id
                 AND NOT EXISTS (SELECT 1 FROM file_deliveries f
                                 WHERE f.file_version_id = fv.id AND f.storage_location_id = d.storage_location_id AND f.status = 'verified')
             ) AS incomplete,
             NOT fv.post_hooks_done AND fv.reason IS NOT NULL AS post_held
           ) v
           WHERE hi.run_id = $1 AND hi.batch_no = $2
         ),
         recorded AS (
           UPDATE harvest_items hi SET outcome = j.outcome, reason = CASE WHEN j.outcome = 'failed' AND j.status = 'verified' THEN (
             -- Verified, yet failed: every destination without a verified copy, with what went wrong there.
             SELECT 'verified, but not delivered to '
                    || string_agg(s.name || ': ' || coalesce(f.reason, CASE WHEN f.status IS NULL THEN 'it was added while this run copied' ELSE 'no reason was recorded' END),
                                  '; not delivered to ' ORDER BY s.name)
                    || '; the next run tries again'
             FROM instrument_destinations d
             JOIN storage_locations s ON s.id = d.storage_location_id
             LEFT JOIN file_deliveries f ON f.file_version_id = j.id AND f.storage_location_id = d.storage_location_id
             WHERE d.instrument_id = j.instrument_id AND f.status IS DISTINCT FROM 'verified'
           ) ELSE j.reason END
           FROM judged j
           WHERE $3::boolean AND hi.run_id = $1 AND hi.file_version_id = j.id AND j.outcome IN ('failed', 'held', 'deferred')
         )
         SELECT count(*) FILTER (WHERE outcome = 'verified') AS verified,
                coalesce(sum(size) FILTER (WHERE outcome = 'verified'), 0) AS bytes,
                count(*) FILTER (WHERE outcome = 'failed') AS failed,
                count(*) FILTER (WHERE outcome = 'skipped') AS skipped,
                count(*) FILTER (WHERE outcome = 'held') AS held,
                count(*) FILTER (WHERE outcome = 'deferred') AS deferred
         FROM judged`,
        [runId, batchNo, closed.length > 0],
      );
      const result: BatchCounts = {
        files: Number(counts.verified),
        bytes: Number(counts.bytes),
        failed: Number(counts.failed),
        skipped: Number(counts.skipped),
        held: Number(counts.held),
        deferred: Number(counts.deferred),
      };
      // Verdicts recorded: a verified copy now holds its path as a file there (never replaced),
      // and the paths of the others are free again (claimed by any attempt of the batch).
      await tx.query(
        `DELETE FROM destination_claims c
         WHERE c.run_id = $1 AND c.file_version_id IN (SELECT file_version_id FROM harvest_items WHERE run_id = $1 AND batch_no = $2)`,
        [runId, batchNo],
      );
      if (closed.length) {
        await tx.query(
          `UPDATE harvest_runs SET files_done = files_done + $2, bytes_done = bytes_done + $3, files_failed = files_failed + $4,
                  files_skipped = files_skipped + $5, files_held = files_held + $6, files_deferred = files_deferred + $7,
                  batches_done = batches_done + 1, updated_at = now()
           WHERE id = $1`,
          [runId, result.files, result.bytes, result.failed, result.skipped, result.held, result.deferred],
        );
      }
      return result;
    });
  }

  /**
   * Marks the destinations the run searched for missing copies as backfilled, when the run has
   * finished every batch it planned: each copy it owed them is then recorded, verified or failed
   * (failed deliveries are taken again by later runs). A run that failed or was cancelled before
   * leaves them to be searched again by the next run, and so does a destination added (or removed
   * and added again) after the run started: batches of the run may have gone without it.
   */
  async markBackfilled(runId: string): Promise<void> {
    await this.db.query(
      `UPDATE instrument_destinations d SET backfilled_at = now()
       FROM harvest_runs r
       JOIN harvest_run_destinations rd ON rd.run_id = r.id AND rd.backfill_checked
       WHERE r.id = $1 AND r.phase = 'transferring' AND r.batches_done = r.batches_total
         AND d.instrument_id = r.instrument_id AND d.storage_location_id = rd.storage_location_id AND d.backfilled_at IS NULL
         AND d.added_at <= r.started_at`,
      [runId],
    );
  }
}

export interface BatchCounts {
  files: number;
  bytes: number;
  failed: number;
  skipped: number;
  held: number;
  /** Changed while being harvested: left for a later run. */
  deferred: number;
}

/**
 * One run's listing, staged in a temporary table on one connection, then planned from. A
 * temporary table writes no WAL, needs no index and no clean-up by DELETE: staging a
 * 100,000-file listing there costs PostgreSQL about half the CPU of a shared table, which is
 * what a re-harvest of an unchanged tree is mostly made of. A crashed worker leaves nothing
 * behind (the table goes with its connection).
 */
export class RunListing {
  /** Files and bytes staged so far. */
  files = 0;
  bytes = 0;
  /**
   * Entries of unknown size (rclone lists them as -1: documents of some cloud backends), left
   * out: nothing could check a copy's size, nor catalogue the version.
   */
  readonly unknownSize = { count: 0, first: [] as string[] };

  constructor(
    private readonly runId: string,
    private readonly client: PoolClient,
    private readonly release: () => Promise<void>,
  ) {}

  /** Stages listing entries with one COPY (a third less time than an INSERT of unnested arrays). */
  async stage(entries: readonly ListedFile[]): Promise<void> {
    if (!entries.length) return;
    let rows = '';
    for (const e of entries) {
      if (e.Size < 0) {
        if (this.unknownSize.count++ < 5) this.unknownSize.first.push(e.Path);
        continue;
      }
      rows += `${copyText(e.Path)}\t${e.Size}\t${copyText(e.ModTime)}\n`;
      this.files++;
      this.bytes += e.Size;
    }
    if (rows) await pipeline(Readable.from([rows]), this.client.query(copyFrom('COPY run_listing (path, size, mtime) FROM STDIN')));
  }

  /**
   * Decides what the run takes and numbers it into batches capped by count and bytes, in path
   * order: new versions enter the catalogue (files still inside the quiet period wait); new,
   * changed and earlier failed or held versions are taken. The plan is committed in pieces, the
   * first one small, and `onPlanned` hears of each: the run's copies can start while the rest is
   * planned (a million new files take minutes to plan). Undefined when the run is past discovery.
   */
  async plan(instrumentId: string, minAgeSeconds: number, limits: BatchLimits, options: PlanOptions = {}): Promise<RunPlan | undefined> {
    const todo = await this.inTransaction(() => this.gatherTodo(instrumentId, minAgeSeconds));
    if (!todo) return undefined;
    const firstPiece = options.firstPieceFiles ?? FIRST_PIECE_BATCHES * limits.maxFiles;
    const piece = options.pieceFiles ?? PIECE_BATCHES * limits.maxFiles;
    for (let done = 0; done < todo.files; ) {
      options.signal?.throwIfAborted();
      const upTo = done + (done === 0 ? firstPiece : piece);
      const soFar = await this.inTransaction(() => this.planPiece(instrumentId, done, upTo, limits));
      if (!soFar) return undefined;
      done = upTo;
      await options.onPlanned?.(soFar);
    }
    return this.inTransaction(async () => {
      if (!(await this.stillDiscovering())) return undefined;
      // The destinations this plan searched for missing copies; they count as backfilled once
      // the run has finished every batch (finishRun), not now: a run that fails or is cancelled
      // before its batches record anything must leave them to be searched again.
      if (!options.unlisted) {
        await this.client.query(
          `INSERT INTO harvest_run_destinations AS c (run_id, storage_location_id, backfill_checked)
           SELECT $1, id, true FROM unnest($2::uuid[]) AS id ORDER BY id
           ON CONFLICT (run_id, storage_location_id) DO UPDATE SET backfill_checked = true`,
          [this.runId, todo.unchecked],
        );
      }
      const planned = await this.plannedSoFar();
      const plan: RunPlan = { listedFiles: this.files, listedBytes: this.bytes, ...planned, deferred: todo.deferred, ...(options.unlisted && { unlisted: options.unlisted }) };
      // Batches that finished meanwhile have added files that changed under them to files_deferred.
      const updated = await this.updateRunWhileDiscovering(
        `phase = 'transferring', files_discovered = $2, bytes_discovered = $3, files_total = $4, bytes_total = $5,
         listing_deferred = $6, files_deferred = files_deferred + $6, batches_total = $7,
         files_future = $8, future_mtime_latest = $9, error = $10`,
        [plan.listedFiles, plan.listedBytes, plan.files, plan.bytes, plan.deferred, plan.batches, todo.future.files, todo.future.latest, options.unlisted ?? null],
      );
      return updated ? plan : undefined;
    });
  }

  /**
   * Updates the run only while it is discovering (its row lock is taken here, briefly, at the end
   * of a transaction). False when the run was closed meanwhile (cancelled, or failed): the
   * caller rolls back, so a closed run is never reopened or given more batches.
   */
  private async updateRunWhileDiscovering(assignments: string, values: unknown[]): Promise<boolean> {
    const { rowCount } = await this.client.query(
      `UPDATE harvest_runs SET ${assignments}, updated_at = now() WHERE id = $1 AND phase = 'discovering'`,
      [this.runId, ...values],
    );
    return rowCount === 1;
  }

  /**
   * Whether this run is still being discovered, with the run's planning lock held until the
   * transaction ends. Two attempts of one discovery (the first one's heartbeat was lost) may both
   * plan: the lock orders their pieces, and once one has finished the other plans nothing. An
   * advisory lock, not the run's row: batches update that row while later pieces are planned.
   */
  private async stillDiscovering(): Promise<boolean> {
    await this.client.query(`SELECT pg_advisory_xact_lock(hashtext('sheaf.plan'), hashtext($1))`, [this.runId]);
    const { rows } = await this.client.query<{ phase: string }>(`SELECT phase FROM harvest_runs WHERE id = $1`, [this.runId]);
    return rows[0]?.phase === 'discovering';
  }

  /**
   * Everything the run may take, numbered in path order into the temporary table run_todo:
   * - listed files the catalogue does not hold (no id yet). One anti-join of the listing with the
   *   catalogue, first: for an unchanged tree it is empty and the rest has next to nothing to do.
   * - versions catalogued before that are still listed and pending, failed or held.
   * - verified versions, still listed, that lack a verified copy at one of the instrument's
   *   destinations: they keep their status and ARK, and get the missing copies.
   * - verified versions whose post-hooks never ran (their run was cancelled or failed after
   *   verifying them), while the instrument has post-hooks: they get only the post-hooks.
   * A listing that names a file twice (some remotes do) takes it once.
   * Also counts the new files still inside the quiet period.
   */
  private async gatherTodo(
    instrumentId: string,
    minAgeSeconds: number,
  ): Promise<{ files: number; deferred: number; future: { files: number; latest: Date | null }; unchecked: string[] } | undefined> {
    const { client } = this;
    if (!(await this.stillDiscovering())) return undefined;
    const { rows: unchecked } = await client.query<{ id: string }>(
      `SELECT storage_location_id AS id FROM instrument_destinations WHERE instrument_id = $1 AND backfilled_at IS NULL`,
      [instrumentId],
    );
    // Earlier verified versions that a destination lacks (it was added later, or a copy to it
    // failed) are looked for only when there can be any: the search joins the whole listing.
    // Post-hooks owed (a run ended between verification and post-hooks) are looked for only
    // while the instrument has post-hooks to run: otherwise they would be taken on every run.
    const { rows: gaps } = await client.query<{ possible: boolean; post_hooks: boolean; owed: boolean }>(
      `SELECT ($2::boolean AND EXISTS (SELECT 1 FROM file_versions WHERE instrument_id = $1 AND status = 'verified'))
           OR EXISTS (SELECT 1 FROM instrument_destinations d
                      JOIN file_deliveries f ON f.storage_location_id = d.storage_location_id AND f.status = 'failed'
                      JOIN file_versions fv ON fv.id = f.file_version_id AND fv.instrument_id = d.instrument_id AND fv.status = 'verified'
                      WHERE d.instrument_id = $1) AS possible,
              EXISTS (SELECT 1 FROM hooks h
                      WHERE h.enabled AND h.deleted_at IS NULL AND h.phase = 'post' AND (h.instrument_id IS NULL OR h.instrument_id = $1)) AS post_hooks,
              EXISTS (SELECT 1 FROM file_versions WHERE instrument_id = $1 AND status = 'verified' AND NOT post_hooks_done) AS owed`,
      [instrumentId, unchecked.length > 0],
    );
    const owed = gaps[0].post_hooks && gaps[0].owed;
    if (!gaps[0].post_hooks && gaps[0].owed) {
      // Held by a post-hook that is no more: owed its post-hooks, should the instrument get some
      // again, like a version whose run ended before them, but no longer held.
      await client.query(
        `UPDATE file_versions SET reason = NULL, updated_at = now()
         WHERE instrument_id = $1 AND status = 'verified' AND NOT post_hooks_done AND reason IS NOT NULL`,
        [instrumentId],
      );
    }
    await client.query(`DROP TABLE IF EXISTS pg_temp.run_todo`);
    const made = await client.query(
      `CREATE TEMP TABLE run_todo AS
       WITH unknown AS MATERIALIZED (
         SELECT l.path, l.size, l.mtime FROM run_listing l
         WHERE l.mtime <= now() - make_interval(secs => $2)
           AND NOT EXISTS (SELECT 1 FROM file_versions fv
                           WHERE fv.instrument_id = $1 AND fv.path = l.path AND fv.size = l.size AND fv.mtime = l.mtime)
       ),
       carried AS (
         SELECT DISTINCT fv.id, l.path, l.size, l.mtime
         FROM run_listing l
         JOIN file_versions fv ON fv.instrument_id = $1 AND fv.path = l.path AND fv.size = l.size AND fv.mtime = l.mtime
         WHERE fv.status IN ('pending', 'failed', 'held')
       ),
       backfill AS (
         SELECT DISTINCT fv.id, l.path, l.size, l.mtime
         FROM run_listing l
         JOIN file_versions fv ON fv.instrument_id = $1 AND fv.path = l.path AND fv.size = l.size AND fv.mtime = l.mtime
         WHERE $3::boolean AND fv.status = 'verified'
           AND EXISTS (SELECT 1 FROM instrument_destinations d
                       WHERE d.instrument_id = $1
                         AND NOT EXISTS (SELECT 1 FROM file_deliveries f
                                         WHERE f.file_version_id = fv.id AND f.storage_location_id = d.storage_location_id
                                           AND f.status = 'verified'))
       ),
       owed AS (
         -- Listed or not: post-hooks do not read the source.
         SELECT fv.id, fv.path, fv.size, fv.mtime
         FROM file_versions fv
         WHERE $4::boolean AND fv.instrument_id = $1 AND fv.status = 'verified' AND NOT fv.post_hooks_done
           AND NOT EXISTS (SELECT 1 FROM backfill b WHERE b.id = fv.id)
       )
       SELECT row_number() OVER (ORDER BY path) AS rn, id, path, size, mtime
       FROM (SELECT NULL::uuid AS id, path, size, mtime FROM unknown
             UNION ALL SELECT * FROM carried
             UNION ALL SELECT * FROM backfill
             UNION ALL SELECT * FROM owed) taken`,
      [instrumentId, minAgeSeconds, gaps[0].possible, owed],
    );
    const files = made.rowCount ?? 0;
    if (files > 0) {
      await client.query(`CREATE INDEX ON pg_temp.run_todo (rn)`);
      // Temporary tables are never analysed by autovacuum; the pieces' joins need the row count.
      await client.query(`ANALYZE pg_temp.run_todo`);
    }
    // Among them, files modified in the future (beyond a few minutes of clock drift): the
    // instrument's clock is ahead, and they wait until that time has passed; the run says so.
    const { rows: young } = await client.query<{ deferred: string; future: string; future_latest: Date | null }>(
      `SELECT count(*) AS deferred,
              count(*) FILTER (WHERE l.mtime > now() + make_interval(secs => $3)) AS future,
              max(l.mtime) FILTER (WHERE l.mtime > now() + make_interval(secs => $3)) AS future_latest
       FROM run_listing l
       WHERE l.mtime > now() - make_interval(secs => $2)
         AND NOT EXISTS (SELECT 1 FROM file_versions fv
                         WHERE fv.instrument_id = $1 AND fv.path = l.path AND fv.size = l.size AND fv.mtime = l.mtime)`,
      [instrumentId, minAgeSeconds, CLOCK_DRIFT_SECONDS],
    );
    return {
      files,
      deferred: Number(young[0].deferred),
      future: { files: Number(young[0].future), latest: young[0].future_latest },
      unchecked: unchecked.map((d) => d.id),
    };
  }

  /**
   * Plans the todo entries numbered (from, upTo]: new versions enter the catalogue, and the
   * piece's versions are numbered into batches after those planned before. A version this run
   * has taken already (by an earlier attempt of this discovery) is not taken again. Returns the
   * run's plan so far, also written to the run's totals; what it owes each destination is added
   * to the run's row for that destination.
   */
  private async planPiece(instrumentId: string, from: number, upTo: number, limits: BatchLimits): Promise<PlannedSoFar | undefined> {
    const { client, runId } = this;
    if (!(await this.stillDiscovering())) return undefined;
    // The previous version comes from a join, grouped, not from a subquery per row: the grouping
    // reads the catalogue before the first row is inserted. A per-row subquery planned as a
    // sequential scan (a small catalogue) rescans the table this statement is growing: quadratic,
    // 89 s for 100,000 new files.
    const { rows: owedPerDestination } = await client.query<{ id: string; files: number }>(
      `WITH piece AS (SELECT id, path, size, mtime FROM run_todo WHERE rn > $3 AND rn <= $4),
       fresh AS (
         INSERT INTO file_versions (instrument_id, path, size, mtime, version, first_run_id)
         SELECT $2, p.path, p.size, p.mtime, coalesce(max(v.version), 0) + 1, $1
         FROM piece p
         LEFT JOIN file_versions v ON v.instrument_id = $2 AND v.path = p.path
         WHERE p.id IS NULL
         GROUP BY p.path, p.size, p.mtime
         ON CONFLICT DO NOTHING
         RETURNING id, path, size, version
       ),
       superseded AS (
         -- An earlier version of the path still waiting (it changed while being harvested, its
         -- run ended before its batch, or it failed or was held) is never taken now: no listing
         -- names it any more, so it would stay failed or held for good.
         UPDATE file_versions old
         SET status = 'skipped', reason = 'superseded: the file changed before this version was harvested; a later version holds it',
             updated_at = now()
         FROM fresh f
         -- Only paths with an earlier version: a first harvest's planning looks for none.
         WHERE f.version > 1 AND old.instrument_id = $2 AND old.path = f.path AND old.status IN ('pending', 'failed', 'held')
       ),
       known AS (
         SELECT p.id, p.path, p.size FROM piece p
         WHERE p.id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM harvest_items hi WHERE hi.run_id = $1 AND hi.file_version_id = p.id)
       ),
       numbered AS (
         -- In path order, files are cut into byte buckets of maxBytes by where they start, and
         -- into buckets of maxFiles. The files of one byte bucket that end inside it stay under
         -- the cap together; the one (at most) that reaches past its bucket's end goes alone, or
         -- it would take its batch past the cap (three 3 GiB files under a 4 GiB cap made a 6 GiB batch).
         SELECT id, size,
                (SELECT coalesce(max(batch_no) + 1, 0) FROM harvest_batches WHERE run_id = $1)
                  + dense_rank() OVER (ORDER BY byte_bucket, past_bucket, floor((rn - 1) / $6::numeric)) - 1 AS batch_no
         FROM (
           SELECT id, size, rn, floor((cum - size) / $5::numeric) AS byte_bucket,
                  size > 0 AND floor((cum - 1) / $5::numeric) > floor((cum - size) / $5::numeric) AS past_bucket
           FROM (
             SELECT id, size, row_number() OVER (ORDER BY path) AS rn, sum(size) OVER (ORDER BY path ROWS UNBOUNDED PRECEDING) AS cum
             FROM (SELECT id, path, size FROM fresh UNION ALL SELECT * FROM known) taken
           ) ordered
         ) bucketed
       ),
       items AS (
         INSERT INTO harvest_items (run_id, file_version_id, batch_no) SELECT $1, id, batch_no FROM numbered
       ),
       batches AS (
         INSERT INTO harvest_batches (run_id, batch_no, files, bytes)
         SELECT $1, batch_no, count(*), sum(size) FROM numbered GROUP BY batch_no
       )
       -- What the piece owes each destination: its versions without a verified copy there (a new
       -- version has none; one taken for a destination added since, or for its post-hooks, may).
       SELECT d.storage_location_id AS id, count(t.id)::int AS files
       FROM instrument_destinations d
       LEFT JOIN (SELECT id, true AS fresh FROM fresh UNION ALL SELECT id, false FROM known) t
         ON t.fresh OR NOT EXISTS (SELECT 1 FROM file_deliveries f
                                   WHERE f.file_version_id = t.id AND f.storage_location_id = d.storage_location_id AND f.status = 'verified')
       WHERE d.instrument_id = $2
       GROUP BY d.storage_location_id`,
      [runId, instrumentId, from, upTo, limits.maxBytes, limits.maxFiles],
    );
    // Last, like the run's row: each batch's deliveries update these rows too (a trigger on transfers).
    await client.query(
      `INSERT INTO harvest_run_destinations AS c (run_id, storage_location_id, files_total)
       SELECT $1, o.id, o.files FROM unnest($2::uuid[], $3::int[]) AS o(id, files) ORDER BY o.id
       ON CONFLICT (run_id, storage_location_id) DO UPDATE SET files_total = c.files_total + EXCLUDED.files_total`,
      [runId, owedPerDestination.map((o) => o.id), owedPerDestination.map((o) => o.files)],
    );
    const soFar = await this.plannedSoFar();
    // Last, so briefly locked: every batch of the run updates this row when it finishes.
    const updated = await this.updateRunWhileDiscovering(`files_total = $2, bytes_total = $3, batches_total = $4`, [soFar.files, soFar.bytes, soFar.batches]);
    return updated ? soFar : undefined;
  }

  /** The run's batches planned so far (numbered 0 to batches - 1), whichever attempt planned them. */
  private async plannedSoFar(): Promise<PlannedSoFar> {
    const { rows } = await this.client.query<Record<string, string>>(
      `SELECT count(*) AS batches, coalesce(sum(files), 0) AS files, coalesce(sum(bytes), 0) AS bytes FROM harvest_batches WHERE run_id = $1`,
      [this.runId],
    );
    return { batches: Number(rows[0].batches), files: Number(rows[0].files), bytes: Number(rows[0].bytes) };
  }

  /** Runs `work` in one transaction on the listing's connection; undefined from it rolls back. */
  private async inTransaction<T>(work: () => Promise<T | undefined>): Promise<T | undefined> {
    await this.client.query('BEGIN');
    try {
      const result = await work();
      await this.client.query(result === undefined ? 'ROLLBACK' : 'COMMIT');
      return result;
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Drops the table and gives the connection back. */
  async close(): Promise<void> {
    try {
      await this.client.query(`DROP TABLE IF EXISTS pg_temp.run_listing, pg_temp.run_todo`);
    } finally {
      await this.release();
    }
  }
}
