import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { HookConfigRow, HookFile } from '@sheaf/hooks';
import { runHooks } from '@sheaf/hooks';
import { isNotFound, RcloneError, RcloneStalledError, type Rclone } from '@sheaf/rclone';
import type { BatchFile, ClaimHolder, DeliveryOutcome, HarvestCatalogue, PathClaim } from './catalogue';
import { digestLocalFiles, existingLocalFiles, flushFileSystem } from './hash';
import { FAILURE_TYPES, type Location, type NamedLocation } from './locations';
import { destinationPath, sharedPrefix } from './paths';

/** rclone exit codes that retrying cannot fix: 3 directory not found, 7 fatal (e.g. refused credentials). */
const PERMANENT_RCLONE_EXITS = new Set([3, 7]);
/** A source file whose size or mtime moved by more than this since the listing changed under us. */
const MTIME_TOLERANCE_MS = 1000;

export interface Destination extends NamedLocation {
  storageLocationId: string;
  pathTemplate: string;
  /** Names that differ only in case are one file there (SMB). */
  ignoresCase: boolean;
}

export interface BatchJob {
  runId: string;
  batchNo: number;
  instrument: { id: string; name: string };
  source: NamedLocation;
  destinations: Destination[];
  hooks: HookConfigRow[];
  webhookSecret: (hookId: string) => string | undefined;
  transfers: number;
  mintArk: () => string;
  signal: AbortSignal;
  /**
   * Fires when `signal` does because the worker is shutting down (not for a cancelled run, a
   * pause or a reset). The attempt then removes only the copies it knows to be bad, and only
   * within 60 s of the shutdown (shutdownRemovalMs), all removals together: the worker's drain
   * is not held for long, and the next attempt, or the workflow's rerun of the batch, verifies
   * the copies left as its own.
   */
  shutdown: AbortSignal;
  /**
   * No attempt follows this one (the retry policy's last, unless an operator paused or reset it,
   * which runs it again): a webhook that fails for a reason a retry may fix holds its files, and
   * a failure leaves no uncatalogued copy behind (the run fails; nothing resumes it).
   */
  lastAttempt: () => boolean;
  /** Whether the signal fired because the run is being cancelled (not a pause, reset or shutdown, which are retried). */
  runCancelled: () => boolean;
  heartbeat: (details: { batchNo: number; bytes?: number; step: string }) => void;
  /** Told once the batch's verdicts are recorded (step 4); only post-hooks may follow. */
  verdictsRecorded: () => void;
}

/** What we know of one file's bytes somewhere. */
interface Digest {
  sha256: string;
  size?: number;
  mtimeMs?: number;
}

/**
 * What refused credentials look like: rclone exits 1 for them (not 7), so the message decides.
 * SMB: "The attempted logon is invalid"; S3: SignatureDoesNotMatch, InvalidAccessKeyId, 403.
 */
const CREDENTIALS_REJECTED = /attempted logon is invalid|NT_STATUS_LOGON_FAILURE|NT_STATUS_WRONG_PASSWORD|SignatureDoesNotMatch|InvalidAccessKeyId|403 Forbidden|AccessDenied/i;

/** An SMB share name the server does not have: rclone exits 1, as for a passing network fault. */
const MISSING_SHARE = /Network Name Not Found|NT_STATUS_BAD_NETWORK_NAME/i;

/**
 * Turns rclone failures into Temporal's terms: permanent ones are not retried. `where` names
 * what rclone was working on, in the words an admin knows (rclone's own message names its
 * remotes `src`, `dst0`, ...).
 */
export function rcloneFailure(err: unknown, where: string): unknown {
  if (!(err instanceof RcloneError)) return err;
  if (CREDENTIALS_REJECTED.test(err.stderr)) {
    return ApplicationFailure.nonRetryable(`${where}: credentials rejected: ${err.message}`, FAILURE_TYPES.credentialsRejected);
  }
  if ((err.exitCode !== undefined && PERMANENT_RCLONE_EXITS.has(err.exitCode)) || MISSING_SHARE.test(err.stderr)) {
    return ApplicationFailure.nonRetryable(`${where}: ${err.message}`, FAILURE_TYPES.locationUnusable);
  }
  return new Error(`${where}: ${err.message}`);
}

/** Where a version goes at a destination: its path template, applied to where the pre-hooks routed it. */
function destRelOf(job: BatchJob, destination: Destination, file: BatchFile, routed: ReadonlyMap<string, string>): string {
  return destinationPath(destination.pathTemplate, job.instrument.name, routed.get(file.id) ?? file.path, file.version);
}

/** A line break: rclone is given paths one a line (`--files-from-raw`), and would read one path holding it as two. */
const LINE_BREAK = /[\n\r]/;

/**
 * Why a version cannot be handed to rclone, or undefined: its source path, or its destination
 * path at a location it is to be copied to, holds a line break. The rclone wrapper refuses such a
 * path (a plain error, which the batch would retry and then fail the run with, run after run), so
 * the version is held instead, with this reason, and the rest of its batch goes on. rclone lists
 * no name with one (it spells a line break as ␊, whatever the backend), so it comes from elsewhere:
 * a destination path template holding one, or a catalogue row not made by a listing.
 */
export function lineBreakHold(sourcePath: string, destinations: ReadonlyArray<{ label: string; path: string }>): string | undefined {
  const two = 'which rclone, given paths one a line, would read as two paths';
  if (LINE_BREAK.test(sourcePath)) return `its path ${JSON.stringify(sourcePath)} holds a line break, ${two}; it was not copied`;
  const at = destinations.find((d) => LINE_BREAK.test(d.path));
  if (at) return `its destination path at ${at.label}, ${JSON.stringify(at.path)}, holds a line break, ${two} (see that location's path template); it was not copied`;
  return undefined;
}

/** What a copy works on, for rcloneFailure. */
function copying(job: BatchJob, destination: Destination): string {
  return `copying from ${job.source.label} to ${destination.label}`;
}

async function digests(rclone: Rclone, location: Location, files: string[], signal: AbortSignal): Promise<Map<string, Digest>> {
  if (!files.length) return new Map();
  if (location.localRoot) return digestLocalFiles(location.localRoot, files, { signal, blockingReads: !location.networkMount });
  const [hashes, stats] = await Promise.all([rclone.sha256(location.root, files, signal), rclone.stat(location.root, files, signal)]);
  const out = new Map<string, Digest>();
  for (const [path, sha256] of hashes) {
    const s = stats.get(path);
    out.set(path, { sha256, size: s?.Size, mtimeMs: s ? Date.parse(s.ModTime) : undefined });
  }
  return out;
}

/** Why a version is set aside for a later run instead of being given a verdict now. */
const CHANGED = 'changed while being harvested; taken by a later run';
const GONE = 'gone from the source before it was copied (moved or deleted on the instrument); taken if it is listed again';

/**
 * How a source file differs from what was hashed earlier: gone from the source (moved or
 * deleted on the instrument since), changed (other bytes, size or mtime, or unreadable since),
 * or neither (undefined).
 */
async function sourceChange(rclone: Rclone, source: Location, path: string, hashed: Digest, signal: AbortSignal): Promise<string | undefined> {
  const now = (await digests(rclone, source, [path], signal)).get(path);
  if (!now) return (await existing(rclone, source, [path], signal)).has(path) ? CHANGED : GONE;
  return now.sha256 !== hashed.sha256 || now.size !== hashed.size || now.mtimeMs !== hashed.mtimeMs ? CHANGED : undefined;
}

/** Which of the given destination paths exist already, before we copy anything. */
async function existing(rclone: Rclone, location: Location, files: string[], signal: AbortSignal): Promise<Set<string>> {
  if (!files.length) return new Set();
  if (location.localRoot) return existingLocalFiles(location.localRoot, files, signal, !location.networkMount);
  return new Set((await rclone.stat(location.root, files, signal)).keys());
}

/** A name rclone listed with U+FFFD for bytes that are not UTF-8: no backend finds it again. */
const cannotReopen = (path: string) => path.includes('\uFFFD');

/**
 * Why a listed source file could not be read. rclone lists a name that is not valid UTF-8 with
 * U+FFFD in place of the bad bytes, a name no backend can open again: only renaming the file on
 * the instrument lets it be harvested.
 */
function unreadableSource(path: string): string {
  if (cannotReopen(path)) {
    return 'the source file could not be read: its name is probably not valid UTF-8 on the instrument (rclone lists the bad bytes as U+FFFD); rename it there';
  }
  return 'the source file could not be read';
}

/** One digest of a list of paths, whatever their order. */
function pathsDigest(paths: readonly string[]): string {
  const hash = createHash('sha256');
  for (const path of [...paths].sort()) hash.update(path).update('\0');
  return hash.digest('hex');
}

function joinRoot(root: string, rel: string): string {
  if (!rel) return root;
  return root.endsWith('/') || root.endsWith(':') ? `${root}${rel}` : `${root}/${rel}`;
}

/**
 * How long removing a batch's copies from one destination may take. A removal is short unless
 * the destination stopped answering (when runs get cancelled), and rclone then retries for tens
 * of minutes while the batch heartbeats and the run stays "cancelling".
 */
const REMOVAL_LIMIT_MS = 2 * 60_000;

/**
 * How long, once the worker's shutdown has stopped a batch, the batch's removals may take in all
 * (every destination together, not each). The worker gives its activities 30 s
 * (`shutdownGraceTime`, worker.ts) before it stops them, and the pod 180 s in all
 * (`terminationGracePeriodSeconds`, k8s/base/worker.yaml; compose's `stop_grace_period` 3 min):
 * 30 s, rclone's stop (5 s at most) and this leave the worker well within, and under the 2-minute
 * heartbeat timeout after which Temporal would start a retry beside it.
 */
let shutdownRemovalMs = 60_000;

/** Sets how long removals may take once a shutdown stopped the batch (tests); no argument restores 60 s. */
export function setShutdownRemovalLimitForTests(ms = 60_000): void {
  shutdownRemovalMs = ms;
}

/**
 * A signal that fires `shutdownRemovalMs` after `shutdown` does (never, if it does not): the
 * end of every removal of a batch stopped by its worker shutting down.
 */
function removalDeadline(shutdown: AbortSignal): AbortSignal {
  const deadline = new AbortController();
  const limit = shutdownRemovalMs;
  const start = () => {
    // Unref'd: nothing waits for this timer but the removals it bounds.
    setTimeout(() => deadline.abort(new Error(`not done within ${limit / 1000} s of the worker's shutdown`)), limit).unref();
  };
  if (shutdown.aborted) start();
  else shutdown.addEventListener('abort', start, { once: true });
  return deadline.signal;
}

/**
 * Removes copies this batch made that must not stay, even when the batch is being cancelled (not
 * the batch's signal, a time limit of its own): left at the destination, a bad copy would fail
 * its version on the next run for "a different file already exists". Each destination is tried;
 * the first failure is thrown after. A path where the catalogue records a verified copy of one
 * of the batch's versions is never removed, whatever this attempt believes: an attempt still
 * running beside its retry (a lost heartbeat) may have verified a copy the other took for its own.
 * A worker shutting down does not stop them at once (no attempt may follow: the run cancelled
 * or failed by another batch meanwhile, the workflow's reruns used up, and a bad copy left
 * uncatalogued would then fail its version on every later run) but bounds them: `deadline`
 * (removalDeadline) ends them all, so a stopping worker spends at most that long here.
 */
async function removeCopies(
  catalogue: HarvestCatalogue,
  rclone: Rclone,
  versions: readonly string[],
  copies: Map<Destination, string[]>,
  deadline: AbortSignal,
): Promise<void> {
  const failures: unknown[] = [];
  const afterShutdown = (what: string) => new Error(`${what}: ${(deadline.reason as Error).message}`);
  for (const [destination, paths] of copies) {
    if (!paths.length) continue;
    const what = `removing unverified copies from ${destination.label}`;
    if (deadline.aborted) {
      failures.push(afterShutdown(what));
      break;
    }
    const limit = AbortSignal.timeout(REMOVAL_LIMIT_MS);
    try {
      const delivered = await catalogue.verifiedCopies(destination.storageLocationId, versions);
      await rclone.deleteFiles(destination.root, paths.filter((path) => !delivered.has(path)), AbortSignal.any([limit, deadline]));
    } catch (err) {
      if (deadline.aborted) failures.push(afterShutdown(what));
      else failures.push(limit.aborted ? new Error(`${what}: not done within ${REMOVAL_LIMIT_MS / 1000} s`) : rcloneFailure(err, what));
    }
  }
  if (failures.length) throw failures[0];
}

/**
 * Makes the copies about to be recorded verified durable first: at each destination with a local
 * root (a POSIX or NFS location) where `outcomes` verify a copy, one flush of its file system
 * (flushFileSystem: one syncfs, not an fsync per file), bounded like any call on a network mount
 * when it is one. rclone's local backend never fsyncs, and the copies were hashed from the page
 * cache: a host that crashes or loses power after the verdicts are committed could otherwise
 * leave a copy empty or missing under a verified delivery with its ARK, and nothing looks again.
 * Other destinations (S3, SMB through rclone, ...) are left to their servers.
 *
 * `early` holds the flushes started as soon as the copies were made (startFlushes), which write
 * large copies out while they are hashed: a 1 GiB copy waited for its hash, then for the disk.
 * Such a destination is flushed again here only if a copy was made there since (a re-copy,
 * `recopied`).
 *
 * A flush that fails fails the attempt (a plain error: retried) before anything is recorded,
 * and none of this attempt's own copies at any local destination is known to be on disk then
 * (unsureOfLocalCopies): they are removed, and the retry copies them afresh.
 */
async function flushCopies(
  job: BatchJob,
  outcomes: readonly DeliveryOutcome[],
  own: Map<Destination, string[]>,
  unverifiedCopies: Map<Destination, string[]>,
  early: Map<Destination, EarlyFlush>,
  recopied: ReadonlySet<Destination>,
): Promise<void> {
  const verifiedAt = new Set(outcomes.filter((o) => o.verified).map((o) => o.storageLocationId));
  const flushed = async (destination: Destination, flush: () => Promise<unknown>) => {
    job.heartbeat({ batchNo: job.batchNo, step: 'flush' });
    try {
      // An early flush's error is the batch's: a writeback error is reported once.
      const failed = await flush();
      if (failed) throw failed;
    } catch (err) {
      // Stopped too: a flush killed meanwhile may have taken a writeback error with it.
      unsureOfLocalCopies(job, own, unverifiedCopies);
      if (job.signal.aborted) throw err;
      throw new Error(`flushing the copies at ${destination.label} to disk: ${(err as Error).message}; none of them is recorded verified`);
    }
  };
  // Every flush started early, also where nothing is to be recorded verified: a syncfs reports an
  // error of its whole file system, maybe one of another destination's copies on the same volume.
  for (const [destination, started] of early) await flushed(destination, () => started.done);
  for (const destination of job.destinations) {
    const root = destination.localRoot;
    if (!root || !verifiedAt.has(destination.storageLocationId)) continue;
    if (early.has(destination) && !recopied.has(destination)) continue;
    await flushed(destination, () => flushFileSystem(root, { signal: job.signal, networkMount: destination.networkMount }));
  }
}

/**
 * Bytes a batch must have copied to a destination for its flush to start before the copies are
 * hashed (startFlushes). Below it there is little to write, and a syncfs running beside other
 * batches' copies slowed them (the small-files benchmark's rclone copies took about twice as
 * long), so the flush waits for the verdicts.
 */
let earlyFlushBytes = 64 * 1024 ** 2;

/** For specs: the bytes from which a destination's flush starts early (default 64 MiB). */
export function setEarlyFlushBytesForTests(bytes = 64 * 1024 ** 2): void {
  earlyFlushBytes = bytes;
}

/**
 * Starts flushing each destination with a local root where this attempt copied at least
 * `earlyFlushBytes` (`pending`, as the copy step left them), as soon as the copies are made
 * (flushCopies waits for it): each promise settles to the flush's error, or undefined, and never
 * rejects (nothing may go unobserved when the batch fails before then).
 */
function startFlushes(job: BatchJob, pending: readonly Pending[]): Map<Destination, EarlyFlush> {
  const copiedBytes = new Map<Destination, number>();
  for (const p of pending) {
    if (p.preexisting || p.refused) continue;
    copiedBytes.set(p.destination, (copiedBytes.get(p.destination) ?? 0) + p.file.size);
  }
  const started = new Map<Destination, EarlyFlush>();
  for (const [destination, bytes] of copiedBytes) {
    if (!destination.localRoot || bytes < earlyFlushBytes) continue;
    const flush: EarlyFlush = { done: Promise.resolve(), ok: false };
    flush.done = flushFileSystem(destination.localRoot, { signal: job.signal, networkMount: destination.networkMount }).then(
      () => void (flush.ok = true),
      (err: unknown) => err,
    );
    started.set(destination, flush);
  }
  return started;
}

/** A flush startFlushes started: `done` settles to its error or undefined (never rejects); `ok` once it succeeded. */
interface EarlyFlush {
  done: Promise<unknown>;
  ok: boolean;
}

/**
 * Adds every copy of this attempt's own at a destination with a local root to `unverifiedCopies`
 * (to be removed): a flush failed, or one started early has not succeeded when the batch stops.
 * A syncfs reports a writeback error of its whole file system once, to whichever flush comes
 * first, maybe another destination's on the same volume: no copy there is known to be on disk,
 * and the retry, finding them as its own and hashing them from the page cache, would record them
 * verified after a flush that reports nothing.
 */
function unsureOfLocalCopies(job: BatchJob, own: Map<Destination, string[]>, unverifiedCopies: Map<Destination, string[]>): void {
  for (const destination of job.destinations) {
    const mine = destination.localRoot ? own.get(destination) : undefined;
    if (mine?.length) unverifiedCopies.set(destination, [...new Set([...(unverifiedCopies.get(destination) ?? []), ...mine])]);
  }
}

/** A version's copy at one destination, as the copy step left it. */
interface Pending {
  file: BatchFile;
  destination: Destination;
  destRel: string;
  /** There before the batch's first attempt copied anything: never overwritten or removed. */
  preexisting: boolean;
  durationMs: number;
  /** Why rclone could not copy it, in rclone's words. */
  copyError?: string;
  /**
   * Not copied: another file is at the path (a batch's `copy --immutable` refused to replace
   * it, or a copy to a path of its own found it taken: copySingles).
   * Whatever is at the path then is not this batch's copy (another version sent to the same path
   * by a redirect, or a name that differs only in case on a share that ignores case): never
   * re-copied over or removed.
   */
  refused: boolean;
}

/**
 * Why rclone could not copy a file, in its words: what an operator needs to know (disk full,
 * permissions, a name too long). From rclone's log line about the file when there is one, else
 * from its failure ("rclone copyto failed (exit 1): ...").
 */
function rcloneSaid(about: { message?: string; err?: unknown }): string {
  if (about.message) return `rclone: ${about.message}`;
  return about.err instanceof Error ? about.err.message : String(about.err);
}

/** How a copy to a path of its own went: what rclone said when it failed, or that another file was there. */
interface SingleCopy {
  error?: string;
  taken: boolean;
  durationMs: number;
}

/**
 * Copies files to paths of their own (a rename: `rclone copyto` semantics), through one rclone
 * for all of them; results in the order of `items`. A source file that is not found is about
 * that file (moved or deleted on the instrument since the listing), not the location:
 * verification finds out which. Failures that end the batch (cancellation, refused
 * credentials, a missing share) are thrown.
 */
async function copySingles(rclone: Rclone, job: BatchJob, destination: Destination, items: Array<{ path: string; destRel: string }>): Promise<SingleCopy[]> {
  const where = copying(job, destination);
  // Immutable: whatever is at a path already (another version sent to the same path, a name
  // that differs only in case on a share that ignores case) is left alone.
  const results = await rclone
    .copyEach(job.source.root, destination.root, items.map((w) => ({ from: w.path, to: w.destRel })), {
      transfers: job.transfers,
      immutable: true,
      ignoreChecksum: true,
      signal: job.signal,
      fatal: (err) => !isNotFound(err) && rcloneFailure(err, where) instanceof ApplicationFailure,
    })
    .catch((err: unknown) => {
      throw rcloneFailure(err, where);
    });
  return results.map(({ outcome, error, durationMs }) => ({
    error: outcome === 'taken' ? 'not copied: another file is there' : error && rcloneSaid({ err: error }),
    taken: outcome === 'taken',
    durationMs,
  }));
}

/** What rclone logs of a file `--immutable` kept it from replacing: another file is at the path. */
const IMMUTABLE_REFUSAL = /immutable file modified/;

/** Why a version is not at a destination path that holds a file it did not put there. */
const foreignFile = (destRel: string) => `a different file already exists at ${destRel}; it was left untouched`;

/** Why a version is not at a destination path another version was claimed for first. */
function claimedByAnother(destRel: string, holder: ClaimHolder | undefined): string {
  const other = holder ? `${holder.path} of instrument ${holder.instrument}` : 'a file no longer catalogued';
  return `another file (${other}) was being copied to ${destRel}; this one was not copied there`;
}

/** A failure's reason, with rclone's own words when it gave some. */
function because(reason: string, said: string | undefined): string {
  return said ? `${reason} (${said})` : reason;
}

/**
 * A destination path as the location compares names (lower case where case is ignored), hashed:
 * a path can be longer than an index entry may be.
 */
function claimKey(destination: Destination, destRel: string): string {
  return createHash('sha256').update(destination.ignoresCase ? destRel.toLowerCase() : destRel).digest('hex');
}

/** A destination path claimed for a version (released once its verdict is recorded). */
type Claim = PathClaim & { storageLocationId: string };

/** What copyToDestinations did: the copies to verify, and the versions whose path another version was claimed for. */
interface Copied {
  pending: Pending[];
  claimedByOthers: DeliveryOutcome[];
}

/**
 * Copies each accepted version to every destination that lacks a verified copy of it, new
 * paths only: one rclone copy per folder the destination path keeps, and one rclone (copySingles)
 * for all the files renamed on the way.
 * Before copying to a destination, claims the paths there (`claims` gets those claimed), and
 * records in `own` the paths there that are not someone else's file: a batch stopped midway
 * knows which copies are its own to remove.
 */
async function copyToDestinations(
  catalogue: HarvestCatalogue,
  rclone: Rclone,
  job: BatchJob,
  accepted: BatchFile[],
  routed: Map<string, string>,
  own: Map<Destination, string[]>,
  claims: Claim[],
): Promise<Copied> {
  const pending: Pending[] = [];
  const claimedByOthers: DeliveryOutcome[] = [];
  for (const destination of job.destinations) {
    const storageLocationId = destination.storageLocationId;
    const bound = accepted.filter((f) => !f.verifiedAt.has(storageLocationId)).map((f) => ({ file: f, destRel: destRelOf(job, destination, f, routed) }));
    // Claimed before looking: a path another batch is copying to now (or another version of
    // this batch, first in path order) stays with that version, and this one is not copied there.
    const asked = bound.map((w) => ({ fileVersionId: w.file.id, key: claimKey(destination, w.destRel) }));
    const lost = await catalogue.claimPaths(job.runId, storageLocationId, asked);
    claims.push(...asked.filter((c) => !lost.has(c.fileVersionId)).map((c) => ({ ...c, storageLocationId })));
    const wanted = bound.filter((w) => !lost.has(w.file.id));
    for (const w of bound.filter((w) => lost.has(w.file.id))) {
      const error = claimedByAnother(w.destRel, lost.get(w.file.id));
      claimedByOthers.push({ fileVersionId: w.file.id, storageLocationId, destinationPath: w.destRel, sourceSha256: null, destinationSha256: null, verified: false, attempts: [], error });
    }
    const already = await existing(rclone, destination, wanted.map((w) => w.destRel), job.signal).catch((err: unknown) => {
      throw rcloneFailure(err, destination.label);
    });
    // Files there before the batch's first copy are never touched. On a retry (a killed worker),
    // the others at its paths are its own earlier copies, verified like fresh ones: a bad or
    // stale one is re-copied or removed instead of failing the file for good. When the batch
    // now wants other paths than at first (hooks or the path template changed), every file
    // found counts as there before.
    const wantedDigest = pathsDigest(wanted.map((w) => w.destRel));
    const firstLook = await catalogue.firstLook(job.runId, job.batchNo, destination.storageLocationId, { wanted: wantedDigest, existing: [...already] });
    const foreign = firstLook.wanted === wantedDigest ? new Set(firstLook.existing) : already;
    const preexisting = new Set([...already].filter((path) => foreign.has(path)));
    own.set(destination, wanted.filter((w) => !preexisting.has(w.destRel)).map((w) => w.destRel));
    const fresh = wanted.filter((w) => !already.has(w.destRel));
    const groups = new Map<string, typeof fresh>();
    const singles: typeof fresh = [];
    for (const w of fresh) {
      const prefix = sharedPrefix(w.file.path, w.destRel);
      if (prefix === undefined) singles.push(w);
      else {
        const group = groups.get(prefix);
        if (group) group.push(w);
        else groups.set(prefix, [w]);
      }
    }
    const durations = new Map<string, number>();
    const copyErrors = new Map<string, string>();
    const refused = new Set<string>();
    for (const [prefix, group] of groups) {
      const started = Date.now();
      // What rclone said about each file it could not copy, by source path (its last word), and
      // the files its --immutable refused at any point: a later message about the same file (a
      // retry that failed another way) must not make someone else's file look like ours.
      const said = new Map<string, string>();
      const refusedHere = new Set<string>();
      let failed: string | undefined;
      try {
        await rclone.copyFiles(job.source.root, joinRoot(destination.root, prefix), group.map((w) => w.file.path), {
          transfers: job.transfers,
          immutable: true,
          // Every copy is verified below (SHA-256 of source and copy): rclone's own MD5 pass over
          // both would read and hash each file twice more.
          ignoreChecksum: true,
          signal: job.signal,
          onProgress: (bytes) => job.heartbeat({ batchNo: job.batchNo, bytes, step: 'copy' }),
          onFileError: (path, message) => {
            said.set(path, rcloneSaid({ message }));
            if (IMMUTABLE_REFUSAL.test(message)) refusedHere.add(path);
          },
        });
      } catch (err) {
        // A failed file shows up in verification; only failures that end the batch end it here.
        const mapped = rcloneFailure(err, copying(job, destination));
        if (job.signal.aborted || mapped instanceof ApplicationFailure) throw mapped;
        // Nothing said of any one file: rclone failed as a whole (the destination went away).
        // The batch's retry, after a pause, is the answer; re-copying its files one by one
        // (an rclone each) would take hours for a large batch, and then fail them all. So for a
        // copy stopped as stalled, whatever it said before: verifying on a hung mount would hang too.
        if (said.size === 0 || err instanceof RcloneStalledError) throw mapped;
        failed = rcloneSaid({ err });
      }
      for (const w of group) {
        // The wall time of the rclone job that carried the file.
        durations.set(w.destRel, Date.now() - started);
        const error = said.get(w.file.path) ?? failed;
        if (error) copyErrors.set(w.destRel, error);
        // Only its --immutable refusal says another file is there; other errors (a copy rclone
        // retried, a full disk) leave the path this batch's own, to verify, re-copy or remove.
        if (refusedHere.has(w.file.path)) refused.add(w.destRel);
      }
    }
    const copied = await copySingles(rclone, job, destination, singles.map((w) => ({ path: w.file.path, destRel: w.destRel })));
    for (const [i, { error, taken, durationMs }] of copied.entries()) {
      durations.set(singles[i].destRel, durationMs);
      if (error) copyErrors.set(singles[i].destRel, error);
      if (taken) refused.add(singles[i].destRel);
    }
    // A stopped batch removes its own copies only.
    own.set(destination, own.get(destination)!.filter((path) => !refused.has(path)));
    for (const w of wanted) {
      pending.push({
        ...w,
        destination,
        preexisting: preexisting.has(w.destRel),
        durationMs: durations.get(w.destRel) ?? 0,
        copyError: copyErrors.get(w.destRel),
        refused: refused.has(w.destRel),
      });
    }
  }
  return { pending, claimedByOthers };
}

/**
 * One batch: pre-hooks → one rclone copy per destination → SHA-256 of source and destination
 * bytes → ARK mint → post-hooks. Every step's result is in Postgres before the next, so a retry
 * resumes where the last attempt stopped.
 */
export async function processBatch(catalogue: HarvestCatalogue, rclone: Rclone, job: BatchJob): Promise<void> {
  const files = await catalogue.loadBatch(job.runId, job.batchNo);
  const versionIds = files.map((file) => file.id);
  const toHookFile = (f: BatchFile, destination = f.path): HookFile => ({
    fileVersionId: f.id,
    path: f.path,
    size: f.size,
    mtime: f.mtime.toISOString(),
    destinationPath: destination,
    metadata: f.metadata,
    access: f.access,
    sha256: f.sha256 ?? undefined,
    ark: f.ark ?? undefined,
  });
  const hookContext = { instrument: job.instrument, runId: job.runId, signal: job.signal, webhookSecret: job.webhookSecret, lastAttempt: job.lastAttempt() };

  // 1. Pre-hooks, for versions not yet delivered everywhere: skip and hold are recorded at once.
  // A version verified before lacks only copies for destinations added since; it keeps its
  // verdict whatever happens to those copies.
  const delivered = (f: BatchFile) => f.status === 'verified' && job.destinations.every((d) => f.verifiedAt.has(d.storageLocationId));
  const open = files.filter((f) => f.status !== 'skipped' && !delivered(f));
  const verifiedBefore = new Set(open.filter((f) => f.status === 'verified').map((f) => f.id));
  job.heartbeat({ batchNo: job.batchNo, step: 'pre-hooks' });
  const pre = await runHooks('pre', job.hooks, open.map((f) => toHookFile(f)), hookContext);
  const routed = new Map(pre.files.map((h) => [h.fileVersionId, h.destinationPath]));
  const lacking = (f: BatchFile) => job.destinations.filter((d) => !f.verifiedAt.has(d.storageLocationId));
  // Versions the pre-hooks let through that rclone cannot be given (lineBreakHold): held, as a pre-hook holds.
  const unsendable = new Map<string, string>();
  for (const f of open) {
    if ((pre.decisions.get(f.id)?.action ?? 'accept') !== 'accept') continue;
    // Only what is still to be copied goes into rclone's lists: a version with a copy everywhere
    // (one failed after its copies, say) finishes without them.
    const toCopy = lacking(f);
    if (toCopy.length === 0) continue;
    const reason = lineBreakHold(f.path, toCopy.map((d) => ({ label: d.label, path: destRelOf(job, d, f, routed) })));
    if (reason) unsendable.set(f.id, reason);
  }
  const setAside: Array<{ fileVersionId: string; status: 'skipped' | 'held'; reason: string }> = [];
  for (const [id, decision] of pre.decisions) {
    if (decision.action !== 'accept' && !verifiedBefore.has(id)) {
      setAside.push({ fileVersionId: id, status: decision.action === 'skip' ? 'skipped' : 'held', reason: decision.reason });
    }
  }
  for (const [id, reason] of unsendable) if (!verifiedBefore.has(id)) setAside.push({ fileVersionId: id, status: 'held', reason });
  await catalogue.setAside(setAside);
  const accepted = open.filter((f) => (pre.decisions.get(f.id)?.action ?? 'accept') === 'accept' && !unsendable.has(f.id));
  // A version verified before keeps its verdict whatever the pre-hooks say now. One they skip
  // is not copied to the destinations it lacks, and the run counts it as skipped, not failed.
  // For one they hold (or rclone cannot be given), each copy it lacks is recorded as a failed
  // delivery: the next run takes it again (a destination added later is searched for what it
  // lacks only until a run has finished searching it).
  const hookSkipped: string[] = [];
  const heldBack: DeliveryOutcome[] = [];
  for (const f of open) {
    if (!verifiedBefore.has(f.id)) continue;
    const decision = pre.decisions.get(f.id);
    if (decision?.action === 'skip') {
      hookSkipped.push(f.id);
      continue;
    }
    const held = decision?.action === 'hold' ? `held by a pre-hook: ${decision.reason}` : unsendable.get(f.id);
    if (!held) continue;
    for (const d of lacking(f)) {
      heldBack.push({ fileVersionId: f.id, storageLocationId: d.storageLocationId, destinationPath: destRelOf(job, d, f, routed), sourceSha256: null, destinationSha256: null, verified: false, attempts: [], error: held });
    }
  }
  await catalogue.markHookSkipped(job.runId, hookSkipped);

  // 2. Copy to every destination that lacks a verified copy, new files only. The source is
  // hashed meanwhile, not after: reading a large file (or a source on SMB) twice, one read after
  // the other, made a batch take twice the copy. A source that changes after it was hashed
  // shows as a mismatch, and a mismatch looks at the source again (step 3).
  const sourceFiles = [...new Set(accepted.filter((f) => job.destinations.some((d) => !f.verifiedAt.has(d.storageLocationId))).map((f) => f.path))];
  const copyingEnded = new AbortController();
  const sourceDigests = digests(rclone, job.source, sourceFiles, AbortSignal.any([job.signal, copyingEnded.signal]));
  // Observed now, so a failure while the copies run is not an unhandled rejection.
  sourceDigests.catch(() => undefined);
  // Paths at each destination that hold (or will hold) this attempt's own copies, and those of
  // them found unverified so far. None of them is catalogued until step 4 records the verdicts.
  const own = new Map<Destination, string[]>();
  const unverifiedCopies = new Map<Destination, string[]>();
  // Destination paths this batch claimed: held until the verdicts are recorded, or the batch ends for good.
  const claims: Claim[] = [];
  // The end of every removal once the worker's shutdown stopped the batch.
  const removalsEnd = removalDeadline(job.shutdown);
  // Versions set aside for a later run (the source changed or went), with why.
  const changed = new Map<string, string>();
  const results: Array<{ p: Pending; outcome: DeliveryOutcome }> = [];
  let claimedByOthers: DeliveryOutcome[] = [];
  // Flushes of the destinations' file systems started once the copies were made, and the
  // destinations where a copy was made after that (a re-copy): see flushCopies.
  let earlyFlushes = new Map<Destination, EarlyFlush>();
  const recopied = new Set<Destination>();
  const discard = (p: Pending) => {
    if (p.preexisting || p.refused) return;
    const paths = unverifiedCopies.get(p.destination);
    if (paths) paths.push(p.destRel);
    else unverifiedCopies.set(p.destination, [p.destRel]);
  };
  /**
   * Ends an attempt that failed, or was stopped, before any verdict was recorded, and throws
   * `err`. When no retry will come (the run is cancelled, the failure is permanent: refused
   * credentials, a missing folder, a run that ended meanwhile, or this was the last attempt) all
   * its copies go: none is catalogued, and no later run need take these files again (the source
   * may change or go meanwhile). After a failure that is retried, or a pause, only the bad copies
   * found so far go: the retry verifies the others as its own. Stopped by the worker shutting
   * down, it is never final (another attempt or a rerun of the batch follows, unless the run is
   * cancelled or failed meanwhile, or the reruns are used up) and removes the bad copies found
   * so far, as after a retried failure, but within 60 s of the shutdown (shutdownRemovalMs,
   * removalDeadline): a bad copy left uncatalogued would fail its version on every later run
   * should no attempt follow, and the worker's drain is held that long at most. Its other
   * copies, not known to be bad, stay for the next attempt to verify as its own (should none
   * follow, a later run verifies one that matches as a file it found there). A retry keeps the
   * claims: another batch copying to those paths meanwhile would make the retry take that
   * batch's copy for its own.
   */
  const stop = async (err: unknown): Promise<never> => {
    // After a failed copy the source's digests are not needed: stop reading.
    copyingEnded.abort();
    const final = !job.shutdown.aborted && (job.runCancelled() || job.lastAttempt() || (err instanceof ApplicationFailure && err.nonRetryable));
    // A flush started early that failed (its error never read) or has not finished.
    if ([...earlyFlushes.values()].some((f) => !f.ok)) unsureOfLocalCopies(job, own, unverifiedCopies);
    await removeCopies(catalogue, rclone, versionIds, final ? own : unverifiedCopies, removalsEnd).catch(() => undefined);
    if (final) await catalogue.releasePaths(claims).catch(() => undefined);
    throw err;
  };
  try {
    const copied = await copyToDestinations(catalogue, rclone, job, accepted, routed, own, claims);
    const pending = copied.pending;
    earlyFlushes = startFlushes(job, pending);
    claimedByOthers = copied.claimedByOthers;
    job.heartbeat({ batchNo: job.batchNo, step: 'verify' });
    const source = await sourceDigests.catch((err: unknown) => {
      throw rcloneFailure(err, job.source.label);
    });

    // 3. Verify: the source bytes against the catalogued version and each copy.
    for (const p of pending) {
      const s = source.get(p.file.path);
      const moved =
        s &&
        ((s.size !== undefined && s.size !== p.file.size) ||
          (s.mtimeMs !== undefined && Math.abs(s.mtimeMs - p.file.mtime.getTime()) > MTIME_TOLERANCE_MS));
      if (moved) changed.set(p.file.id, CHANGED);
    }
    // New versions that could not be read: gone from the source since the listing (moved or
    // deleted on the instrument) wait for a later run; those still there fail. Asked once for
    // all of them: a folder moved away takes a whole batch.
    const unread = new Set(pending.filter((p) => !source.has(p.file.path) && !verifiedBefore.has(p.file.id) && !cannotReopen(p.file.path)).map((p) => p.file.path));
    const stillThere = await existing(rclone, job.source, [...unread], job.signal).catch((err: unknown) => {
      throw rcloneFailure(err, job.source.label);
    });
    for (const p of pending) if (unread.has(p.file.path) && !stillThere.has(p.file.path)) changed.set(p.file.id, GONE);
    const byDestination = new Map<Destination, Pending[]>();
    for (const p of pending) {
      const items = byDestination.get(p.destination);
      if (items) items.push(p);
      else byDestination.set(p.destination, [p]);
    }
    for (const [destination, items] of byDestination) {
      const copies = await digests(rclone, destination, items.map((p) => p.destRel), job.signal).catch((err: unknown) => {
        throw rcloneFailure(err, destination.label);
      });
      for (const p of items) {
        const src = source.get(p.file.path);
        let dst = copies.get(p.destRel);
        if (changed.has(p.file.id)) {
          // Changed or gone since the listing: whatever was copied goes, and a later run takes the file.
          if (dst) discard(p);
          continue;
        }
        const attempts: DeliveryOutcome['attempts'] = [];
        // A version verified before must get the bytes it was verified with.
        const stale = !!src && verifiedBefore.has(p.file.id) && src.sha256 !== p.file.sha256;
        const matches = (d: Digest | undefined) => !!src && !stale && !!d && d.sha256 === src.sha256 && (d.size === undefined || d.size === p.file.size);
        const record = (d: Digest | undefined, durationMs: number, error: string | null) =>
          attempts.push({ bytes: p.file.size, durationMs, destinationSha256: d?.sha256 ?? null, status: matches(d) ? 'verified' : d ? 'mismatch' : 'failed', error: matches(d) ? null : error });

        if (!src) {
          record(dst, p.durationMs, unreadableSource(p.file.path));
        } else if (stale) {
          record(dst, p.durationMs, `the source bytes no longer match the verified version (SHA-256 ${p.file.sha256})`);
        } else if (p.preexisting) {
          // Never overwrite a different file that was there before us.
          record(dst, 0, matches(dst) ? null : foreignFile(p.destRel));
        } else if (p.refused && dst && !matches(dst)) {
          record(dst, p.durationMs, foreignFile(p.destRel));
        } else {
          record(dst, p.durationMs, dst ? 'SHA-256 of the copy differs from the source' : because('the copy is missing at the destination', p.copyError));
          // Changed or gone after it was hashed: a copy may hold either state. Taken by a later run.
          const change = matches(dst) ? undefined : await sourceChange(rclone, job.source, p.file.path, src, job.signal);
          if (change) {
            changed.set(p.file.id, change);
            if (dst) discard(p);
            continue;
          }
          if (!matches(dst)) {
            // One re-copy of our own bad copy (or of one that is missing), then a second verdict.
            const started = Date.now();
            // Not cancelled: a bad copy left here would fail the next run's attempt. Only a copy
            // that is there: a name that is not can still reach another file on a share that
            // ignores case.
            if (dst) await removeCopies(catalogue, rclone, [p.file.id], new Map([[destination, [p.destRel]]]), removalsEnd).catch(() => undefined);
            recopied.add(destination);
            const [{ error, taken }] = await copySingles(rclone, job, destination, [{ path: p.file.path, destRel: p.destRel }]);
            dst = (await digests(rclone, destination, [p.destRel], job.signal)).get(p.destRel);
            p.refused = taken;
            if (taken) record(dst, Date.now() - started, foreignFile(p.destRel));
            else record(dst, Date.now() - started, dst ? 'SHA-256 of the copy differs from the source after a re-copy' : because('the copy is missing after a re-copy', error));
          }
        }
        const verified = matches(dst);
        if (!verified && dst) discard(p);
        const outcome: DeliveryOutcome = {
          fileVersionId: p.file.id,
          storageLocationId: destination.storageLocationId,
          destinationPath: p.destRel,
          sourceSha256: src?.sha256 ?? null,
          destinationSha256: dst?.sha256 ?? null,
          verified,
          attempts,
          error: verified ? null : (attempts.at(-1)?.error ?? 'not verified'),
        };
        results.push({ p, outcome });
      }
    }
  } catch (err) {
    await stop(err);
  }
  // A version found changed (or gone) at a later destination records nothing: its copies made before go.
  const outcomes: DeliveryOutcome[] = [...heldBack, ...claimedByOthers.filter((o) => !changed.has(o.fileVersionId))];
  for (const { p, outcome } of results) {
    if (!changed.has(p.file.id)) outcomes.push(outcome);
    else if (outcome.verified) discard(p);
  }
  // Removed before the verdicts are recorded: a retry after a crash in between copies afresh.
  // A worker shutting down meanwhile leaves them 60 s (shutdownRemovalMs); what is not done by
  // then fails the batch (its retry finds those copies again).
  await removeCopies(catalogue, rclone, versionIds, unverifiedCopies, removalsEnd);
  // Gone: a failure below removes only what it adds (a destination whose flush failed).
  unverifiedCopies.clear();

  // 4. Deliveries, verified versions (with the pre-hooks' metadata) and their ARKs, in one transaction.
  // A failed version whose copies are all verified already had nothing to copy: the destination
  // where it failed was detached since. It is verified with the others (settleVersions decides:
  // never vacuously, with no destination).
  const copiedBefore = accepted.filter((f) => f.status === 'failed' && job.destinations.every((d) => f.verifiedAt.has(d.storageLocationId)));
  const postHooks = job.hooks.some((hook) => hook.enabled && hook.phase === 'post');
  try {
    // The copies to be recorded verified are on disk first.
    await flushCopies(job, outcomes, own, unverifiedCopies, earlyFlushes, recopied);
    await catalogue.recordDeliveries(job.runId, outcomes, job.destinations.map((d) => d.storageLocationId), job.mintArk, {
      delivered: copiedBefore.map((f) => f.id),
      enrichment: new Map(pre.files.map((h) => [h.fileVersionId, { metadata: h.metadata, access: h.access, routedPath: h.destinationPath === h.path ? null : h.destinationPath }])),
      postHooks,
    });
  } catch (err) {
    // Ended as before any verdict (recordDeliveries records all or nothing): a flush that
    // failed, or a run that ended meanwhile (recordDeliveries' non-retryable "has ended": no
    // attempt follows, and no one else would catalogue or remove this attempt's copies). A final
    // failure removes every copy of this attempt's own and lets go of its claims; a retried one
    // only the copies a failed flush left unsure. A commit that went through unseen (its
    // connection lost) loses nothing: removeCopies keeps what the catalogue records verified.
    await stop(err);
  }
  await catalogue.setAside(
    [...changed].filter(([id]) => !verifiedBefore.has(id)).map(([id, reason]) => ({ fileVersionId: id, status: 'pending' as const, reason })),
  );
  job.verdictsRecorded();
  // The claims are released when the batch is closed (finishBatch): a retry before that (a
  // post-hook failed, the worker died) takes its failed versions again, and must still hold
  // their paths, or it would take another batch's copy made there meanwhile for its own.

  // 5. Post-hooks on versions verified and not yet through them.
  if (!postHooks) return;
  const settled = await catalogue.loadBatch(job.runId, job.batchNo);
  const due = settled.filter((f) => f.status === 'verified' && !f.postHooksDone);
  if (due.length) {
    job.heartbeat({ batchNo: job.batchNo, step: 'post-hooks' });
    // Where this batch's pre-hooks sent it, else where they sent it when it was verified (an
    // earlier attempt, or the run before for post-hooks it missed).
    const post = await runHooks('post', job.hooks, due.map((f) => toHookFile(f, routed.get(f.id) ?? f.routedPath ?? f.path)), hookContext);
    // A post-hook that fails holds the version, as a pre-hook does: it stays delivered and
    // verified, but what the post-hooks do (their metadata, access, the receivers they tell) is
    // not done, so none of it is kept and the next run runs them all again. "Skip" has nothing
    // left to skip once the file is delivered: the post-hooks after it just do not see it.
    const holds = new Map([...post.decisions].flatMap(([id, d]) => (d.action === 'hold' ? [[id, d.reason] as const] : [])));
    await catalogue.recordPostHooks(
      post.files.filter((h) => !holds.has(h.fileVersionId)).map((h) => ({ id: h.fileVersionId, metadata: h.metadata, access: h.access })),
      [...holds].map(([id, reason]) => ({ id, reason: `held by a post-hook: ${reason}; the next run runs the post-hooks again` })),
    );
  }
}
