/**
 * Preloaded into the benchmark's worker (`node -r tools/dist/bench/worker-profile.js ...`): wraps
 * the harvest's catalogue (SQL), rclone and hashing calls with timers and writes the running
 * totals to $SHEAF_BENCH_PROFILE every second. The wrappers only read the clock; they change
 * nothing else. The bench diffs two snapshots around a timed harvest.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../repo-root';

export interface ProfileTotals {
  [label: string]: { calls: number; ms: number };
}

const out = process.env.SHEAF_BENCH_PROFILE;
const workerDist = join(REPO_ROOT, 'services', 'worker', 'dist');
const totals: ProfileTotals = {};
let dirty = true;

function record(label: string, started: number): void {
  const entry = (totals[label] ??= { calls: 0, ms: 0 });
  entry.calls++;
  entry.ms += performance.now() - started;
  dirty = true;
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

function wrap(target: Record<string, unknown>, name: string, label: string): void {
  const original = target[name];
  if (typeof original !== 'function') throw new Error(`worker-profile: ${label} (${name}) is not a function`);
  const fn = original as AnyFunction;
  target[name] = function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    let result: unknown;
    try {
      result = fn.apply(this, args);
    } catch (err) {
      record(label, started);
      throw err;
    }
    if (result instanceof Promise) {
      return result.finally(() => record(label, started));
    }
    record(label, started);
    return result;
  };
}

if (out) {
  // The same module instances the worker loads (same resolved files).
  const load = createRequire(join(workerDist, 'main.js'));
  // First, as main.js does: hash.js reads the pool size it sets.
  load(join(workerDist, 'thread-pool.js'));
  const catalogue = load(join(workerDist, 'harvest', 'catalogue.js')) as Record<'HarvestCatalogue' | 'RunListing', { prototype: Record<string, unknown> }>;
  const batch = load(join(workerDist, 'harvest', 'batch.js')) as Record<string, unknown>;
  const hash = load(join(workerDist, 'harvest', 'hash.js')) as Record<string, unknown>;
  const rclone = load('@sheaf/rclone') as { Rclone: { prototype: Record<string, unknown> } };
  for (const method of [
    'acquireLease',
    'existingPlan',
    'openListing',
    'startBatch',
    'loadBatch',
    'setAside',
    'recordDeliveries',
    'recordPostHooks',
    'finishBatch',
    'claimPaths',
    'releasePaths',
  ]) {
    wrap(catalogue.HarvestCatalogue.prototype, method, `sql.${method}`);
  }
  for (const method of ['stage', 'plan', 'close']) wrap(catalogue.RunListing.prototype, method, `sql.listing.${method}`);
  wrap(batch, 'processBatch', 'batch.processBatch');
  wrap(hash, 'digestLocalFiles', 'hash.digestLocalFiles');
  for (const method of ['copyFiles', 'copyEach', 'sha256', 'stat']) wrap(rclone.Rclone.prototype, method, `rclone.${method}`);

  const flush = () => {
    if (!dirty) return;
    dirty = false;
    try {
      writeFileSync(out, JSON.stringify(totals));
    } catch {
      // The bench reads what it can.
    }
  };
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
}
