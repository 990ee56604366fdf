/** The four benchmark scenarios of issue #3. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { hashPassword } from '@sheaf/crypto';
import { freePort, spawnService, waitForPort } from '@sheaf/local-infra';
import { LISTING_ARGS, LISTING_GC } from '@sheaf/rclone';
import { REPO_ROOT } from '../repo-root';
import { historyCheck, median, medianPair, memoryChecks, QUIET_PROBE_SECONDS, ratioCheck, slowedProbe } from './checks';
import { writeLargeFiles, writeTree, type Generated } from './generate';
import {
  breakdown,
  createInstrument,
  creationProbe,
  flush,
  historyStats,
  PROBE_FILES,
  profileDiff,
  timedCommand,
  timedHarvest,
  type Breakdown,
  type HistoryStats,
  type TimedCommand,
  type TimedHarvest,
} from './measure';
import { count, mib, seconds, type Check, type ScenarioKey, type ScenarioReport } from './report';
import { cpuDiff, cpuSnapshot, startWorker, walPosition, type BenchStack, type BenchWorker, type CpuSnapshot, type MemoryReport } from './stack';
import type { ProfileTotals } from './worker-profile';

export interface BenchContext {
  stack: BenchStack;
  /** 1 for the real sizes, 10 for --quick. */
  scale: number;
  /** Measured pairs per comparison. */
  repeat: number;
  log: (line: string) => void;
}

const GiB = 1024 ** 3;

/**
 * How long one harvest may take before it is cancelled and reported as timed out: many times
 * what each takes here, so that only a hung harvest reaches it.
 */
const HARVEST_DEADLINE_MS: Record<Exclude<ScenarioKey, 'api'>, number> = {
  small: 30 * 60_000,
  renamed: 30 * 60_000,
  large: 30 * 60_000,
  reharvest: 30 * 60_000,
  million: 6 * 3600_000,
  scaleout: 30 * 60_000,
};

/** Regular files under a folder, recursively, and their bytes (none when a failed run never made it). */
function treeStats(root: string): { files: number; bytes: number } {
  if (!existsSync(root)) return { files: 0, bytes: 0 };
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += statSync(join(e.parentPath, e.name)).size;
  }
  return { files, bytes };
}

/** How a harvest ended: its result's status, or why it has none. */
function harvestStatus(h: TimedHarvest): string {
  return h.status === 'completed' ? h.result.status : `${h.status}: ${h.message}`;
}

function harvestCheck(h: TimedHarvest, files: number, what = 'files verified'): Check {
  const counts = `${count(h.result.filesDone)} done, ${count(h.result.filesFailed)} failed, ${count(h.result.filesDeferred)} deferred`;
  const target = `succeeded, ${count(files)} done, 0 failed`;
  if (h.status !== 'completed') {
    // The counts are the run row's when the workflow gave no result.
    return { label: `harvest ${h.status}, ${what}`, measured: `${h.status} after ${seconds(h.seconds)}: ${h.message}; the run row then: ${counts}`, target, met: false };
  }
  const ok = h.result.status === 'succeeded' && h.result.filesDone === files && h.result.filesFailed === 0;
  return { label: `harvest ${h.result.status}, ${what}`, measured: `${h.result.status}: ${counts}`, target, met: ok };
}

function commandCheck(label: string, run: TimedCommand): Check {
  return { label, measured: run.exitCode === 0 ? 'exit 0' : `exit ${run.exitCode}: ${run.stderrTail.slice(-200)}`, target: 'exit 0', met: run.exitCode === 0 };
}

function generatedLine(what: string, g: Generated): string {
  return `${what}: ${count(g.files)} files, ${count(g.bytes)} bytes, ${count(g.folders)} leaf folders; generated in ${seconds(g.seconds)}`;
}

function tuningLine(stack: BenchStack): string {
  const t = stack.tuning;
  return (
    `Harvest settings (worker defaults from libs/config unless overridden in the environment): HARVEST_BATCH_FILES=${t.batchFiles}, ` +
    `HARVEST_BATCH_BYTES=${t.batchBytes} (${(t.batchBytes / GiB).toFixed(1)} GiB), HARVEST_BATCH_WINDOW=${t.window} (workflow window ${t.window}), ` +
    `RCLONE_TRANSFERS=${t.transfers}; one worker process`
  );
}

function breakdownLines(b: Breakdown, total: number, window: number): string[] {
  const pct = (x: number) => (total > 0 && Number.isFinite(x) ? ` (${((100 * x) / total).toFixed(0)} % of the wall time)` : '');
  const c = (label: string) => b.calls[label] ?? { calls: 0, s: 0 };
  const lines = [`start → beginRun done (workflow start, first workflow task, lease): ${seconds(b.startToBegin)}${pct(b.startToBegin)}`];
  const stage = c('sql.listing.stage');
  const plan = c('sql.listing.plan');
  const setup = c('sql.openListing').s + c('sql.listing.close').s;
  const overlap = b.batches > 0 ? ` (committed in pieces: the first batch started ${seconds(b.discoverToFirstBatch)} after discovery did)` : '';
  lines.push(
    `discover activity: ${seconds(b.discover)}${pct(b.discover)}: planning SQL ${seconds(plan.s)}${overlap}, creating and dropping the staging table ${seconds(setup)}, ` +
      `the rest (rclone lsjson, parsing, staging, loading the run) ${seconds(Math.max(0, b.discover - plan.s - setup))}; ` +
      `the staging COPYs took ${seconds(stage.s)} in ${count(stage.calls)} calls, each running while the listing goes on`,
  );
  if (b.batches > 0) {
    const n = b.batches;
    const per = (label: string) => c(label).s / n;
    const inner = per('batch.processBatch');
    const copy = per('rclone.copyFiles') + per('rclone.copyEach');
    const hash = per('hash.digestLocalFiles') + per('rclone.sha256') + per('rclone.stat');
    const load = per('sql.loadBatch');
    const record = per('sql.recordDeliveries');
    const aside = per('sql.setAside') + per('sql.recordPostHooks');
    const claims = per('sql.claimPaths') + per('sql.releasePaths');
    const bookends = per('sql.startBatch') + per('sql.finishBatch');
    const activity = b.batchSum / n;
    lines.push(
      `batches: ${count(n)}, first start → last end ${seconds(b.batchWall)}${pct(b.batchWall)}; ${b.concurrency.toFixed(2)} batch activities running at once on average ` +
        `(window ${window}); mean wait from scheduled to started ${seconds(b.queueMean)}`,
      `one batch activity (mean of ${count(n)}; max ${seconds(b.batchMax)}): ${seconds(activity)} = ` +
        `rclone copy ${seconds(copy)} + SHA-256 of source and copy ${seconds(hash)} + loading the batch (2×) ${seconds(load)} + ` +
        `recording deliveries, verified versions and ARKs ${seconds(record)} + hook outcomes ${seconds(aside)} + ` +
        `claiming and releasing destination paths ${seconds(claims)} + ` +
        `other work inside the batch (pre/post hooks, existence check of destination paths) ${seconds(Math.max(0, inner - copy - hash - load - record - aside - claims))} + ` +
        `start/finish bookkeeping ${seconds(bookends)} + activity set-up (run, locations, hooks queries) ${seconds(Math.max(0, activity - inner - bookends))}`,
      `(rclone's own measure: the longest transfers.duration_ms of a batch, which is its rclone copy's wall time, or for files renamed on the way its longest request to rclone's daemon, was ${seconds(b.copyMean)} on average)`,
    );
  }
  lines.push(`last batch end → workflow closed (finishRun): ${seconds(b.finish)}${pct(b.finish)}`);
  return lines;
}

/** How much the catalogue wrote during a Sheaf run: PostgreSQL's WAL, in all and per file taken. */
function walLine(bytes: number, filesTaken: number): string {
  const perFile = filesTaken > 0 ? ` (${(bytes / filesTaken / 1024).toFixed(1)} KiB per file taken)` : '';
  return `PostgreSQL's WAL written during that Sheaf run (the catalogue's rows and index entries): ${mib(bytes / 1024)}${perFile}`;
}

/** Where the machine's CPU went during a timed step. */
function cpuLine(what: string, d: CpuSnapshot, wall: number): string {
  const ours = d.worker + d.rclone + d.postgres + d.temporal + d.bench;
  const cores = availableParallelism();
  return (
    `CPU during ${what}: worker (node) ${seconds(d.worker)}, rclone ${seconds(d.rclone)}, PostgreSQL ${seconds(d.postgres)}, ` +
    `Temporal ${seconds(d.temporal)}, the bench process ${seconds(d.bench)}, everything else on the machine ${seconds(Math.max(0, d.machine - ours))}; ` +
    `machine busy ${seconds(d.machine)} of ${seconds(wall * cores)} available (${cores} cores × ${seconds(wall)})`
  );
}

function retryFigure(h: HistoryStats): [string, string] {
  if (!h.retries.length) return ['Activity retries', 'none'];
  return ['Activity retries (attempt: last failure)', h.retries.map((r) => `${r.activity} attempt ${r.attempt}: ${r.failure.slice(0, 200)}`).join('; ')];
}

function historyFigures(h: HistoryStats): Array<[string, string]> {
  const max = Math.max(...h.executions.map((e) => e.events));
  return [
    retryFigure(h),
    ['Workflow executions (incl. continued-as-new)', `${h.executions.length} (visibility listed ${h.listed})`],
    ['History events per execution', h.executions.map((e) => count(e.events)).join(', ')],
    ['Max events in one execution', count(max)],
  ];
}

function memoryFigures(m: MemoryReport): Array<[string, string]> {
  return [
    ['Worker peak RSS (VmHWM)', mib(m.hwmKiB)],
    ['Worker peak RSS (sampled VmRSS every 200 ms)', `${mib(m.sampledPeakKiB)} (${count(m.samples)} samples)`],
    ['Worker process tree peak RSS (worker + rclone, sampled every 200 ms)', mib(m.treePeakKiB)],
  ];
}

/**
 * The worker's memory figures, and with `checks` the 1 GiB checks; called in a finally, so that
 * a scenario whose harvest failed keeps them too.
 */
function recordMemory(report: ScenarioReport, worker: BenchWorker, checks: boolean): void {
  let m: MemoryReport;
  try {
    m = worker.memory();
  } catch (err) {
    const why = `not read: ${err instanceof Error ? err.message : String(err)}`;
    report.figures.push(['Worker memory', why]);
    if (checks) report.checks.push({ label: 'worker memory', measured: why, target: '< 1024 MiB', met: false });
    return;
  }
  report.figures.push(...memoryFigures(m));
  if (checks) report.checks.push(...memoryChecks(m));
}

/** A fresh worker for the scenario, warmed up with a tiny untimed harvest, stopped afterwards. */
async function withWorker<T>(ctx: BenchContext, key: keyof typeof HARVEST_DEADLINE_MS, dir: string, fn: (worker: BenchWorker) => Promise<T>): Promise<T> {
  const worker = startWorker(ctx.stack, `bench-${key}-${Date.now().toString(36)}`, ctx.log);
  try {
    const warm = join(dir, 'warm-up');
    writeTree(join(warm, 'source'), 5, 1, 1024);
    const id = await createInstrument(ctx.stack, `warm-${key}-${Date.now().toString(36)}`, join(warm, 'source'), join(warm, 'dest'));
    const h = await timedHarvest(ctx.stack, worker, id, { deadlineMs: HARVEST_DEADLINE_MS[key] });
    if (h.status !== 'completed' || h.result.status !== 'succeeded') throw new Error(`the warm-up harvest ended ${harvestStatus(h)}`);
    ctx.log(`  worker ${worker.pid} warm (warm-up harvest ${seconds(h.seconds)})`);
    return await fn(worker);
  } finally {
    await worker.stop();
  }
}

/** Polls the run row while a long harvest runs. */
function progress(ctx: BenchContext, instrumentId: string, everyMs: number): () => void {
  const timer = setInterval(() => {
    ctx.stack.dataSource
      .query(
        `SELECT phase, files_done, files_total, batches_done, batches_total FROM harvest_runs
         WHERE instrument_id = $1 ORDER BY created_at DESC LIMIT 1`,
        [instrumentId],
      )
      .then((rows: Array<Record<string, string>>) => {
        const r = rows[0];
        if (r) ctx.log(`    ${r.phase}: ${count(Number(r.files_done))}/${count(Number(r.files_total))} files, batch ${r.batches_done}/${r.batches_total}`);
      })
      .catch(() => undefined);
  }, everyMs);
  return () => clearInterval(timer);
}

async function profile(ctx: BenchContext, h: TimedHarvest, worker: BenchWorker, before: ProfileTotals): Promise<{ history: HistoryStats; lines: string[] }> {
  const calls = profileDiff(before, await worker.profile());
  const history = await historyStats(ctx.stack, h.workflowId, h.firstExecutionRunId);
  const b = await breakdown(ctx.stack, h, history, calls);
  return { history, lines: breakdownLines(b, h.seconds, ctx.stack.tuning.window) };
}

function rcloneEnv(): NodeJS.ProcessEnv {
  return { RCLONE_CONFIG: '/dev/null' };
}

const list = (xs: readonly number[], fmt: (x: number) => string) => xs.map(fmt).join(', ');

/** A Sheaf run this many times slower than the median one is broken down too. */
const OUTLIER_SLOWDOWN = 1.5;

/** One measured pair: Sheaf and its rclone baseline (and a second one, when the scenario has it), back to back. */
interface Pair {
  sheaf: TimedHarvest;
  baseline: TimedCommand;
  /** The second rclone baseline, timed in the same pair (large, reharvest). */
  second?: TimedCommand;
  sheafCpu: CpuSnapshot;
  baselineCpu: CpuSnapshot;
  /** Bytes of WAL PostgreSQL wrote during the Sheaf run. */
  sheafWal: number;
  profile: { history: HistoryStats; lines: string[] };
  baselineFirst: boolean;
  /** Seconds the file creation probe took just before the pair. */
  probe: number;
  /** Seconds the same probe took just after the pair. */
  probeAfter: number;
  /** A probe, before or after the pair, exceeded QUIET_PROBE_SECONDS: file creation was slowed during the pair. */
  slowed: boolean;
}

interface PairSteps {
  /** The rclone run the target is defined on. */
  baseline: (rep: number) => Promise<TimedCommand>;
  /** Another rclone run timed in the same pair, for comparison. */
  second?: (rep: number) => Promise<TimedCommand>;
  sheaf: (rep: number) => Promise<TimedHarvest>;
  afterPair?: (rep: number) => Promise<void>;
}

/**
 * Runs the baseline and the Sheaf step `repeat` times, alternating which goes first, each preceded
 * by `sync`, each pair by the file creation probe in `dir` (beside the folders the steps write,
 * so in the same part of the file system); a second baseline runs between the two (baseline,
 * second, Sheaf; then Sheaf, second, baseline). Returns the pairs in order; stops after a Sheaf
 * run that did not complete (the later ones would measure what it left behind).
 */
async function pairs(ctx: BenchContext, worker: BenchWorker, dir: string, steps: PairSteps): Promise<Pair[]> {
  const out: Pair[] = [];
  const timeCommand = async (run: () => Promise<TimedCommand>) => {
    const cpu0 = cpuSnapshot(ctx.stack, worker.pid);
    const result = await run();
    return { run: result, cpu: cpuDiff(cpu0, cpuSnapshot(ctx.stack, worker.pid)) };
  };
  for (let rep = 0; rep < ctx.repeat; rep++) {
    const baselineFirst = rep % 2 === 0;
    const probe = creationProbe(dir);
    ctx.log(`  [${rep + 1}/${ctx.repeat}] creating ${count(PROBE_FILES)} empty files: ${seconds(probe)}${slowedProbe(probe) ? ' (slowed)' : ''}`);
    let b: { run: TimedCommand; cpu: CpuSnapshot } | undefined;
    let second: TimedCommand | undefined;
    let h: { run: TimedHarvest; cpu: CpuSnapshot; wal: number; profile: Pair['profile'] } | undefined;
    const rclone = steps.second ? ['baseline', 'second'] : ['baseline'];
    for (const step of baselineFirst ? [...rclone, 'sheaf'] : ['sheaf', ...[...rclone].reverse()]) {
      flush();
      if (step === 'baseline') {
        b = await timeCommand(() => steps.baseline(rep));
        ctx.log(`  [${rep + 1}/${ctx.repeat}] rclone: ${seconds(b.run.seconds)} (exit ${b.run.exitCode})`);
      } else if (step === 'second') {
        second = (await timeCommand(() => steps.second!(rep))).run;
        ctx.log(`  [${rep + 1}/${ctx.repeat}] second rclone: ${seconds(second.seconds)} (exit ${second.exitCode})`);
      } else {
        const before = await worker.profile();
        const wal0 = await walPosition(ctx.stack);
        const cpu0 = cpuSnapshot(ctx.stack, worker.pid);
        const run = await steps.sheaf(rep);
        const cpu = cpuDiff(cpu0, cpuSnapshot(ctx.stack, worker.pid));
        const wal = (await walPosition(ctx.stack)) - wal0;
        ctx.log(`  [${rep + 1}/${ctx.repeat}] Sheaf: ${seconds(run.seconds)} (${harvestStatus(run)})`);
        h = { run, cpu, wal, profile: await profile(ctx, run, worker, before) };
      }
    }
    // Probed after the pair too: a quick probe before it once came with a slowed pair (rclone's
    // copy of 10,000 small files took 3.3 s, against 1.0 s when file creation is quick).
    const probeAfter = creationProbe(dir);
    const slowed = slowedProbe(probe) || slowedProbe(probeAfter);
    ctx.log(`  [${rep + 1}/${ctx.repeat}] creating ${count(PROBE_FILES)} empty files after the pair: ${seconds(probeAfter)}${slowedProbe(probeAfter) ? ' (slowed)' : ''}`);
    out.push({ sheaf: h!.run, baseline: b!.run, second, sheafCpu: h!.cpu, baselineCpu: b!.cpu, sheafWal: h!.wal, profile: h!.profile, baselineFirst, probe, probeAfter, slowed });
    await steps.afterPair?.(rep);
    if (h!.run.status !== 'completed') {
      ctx.log(`  stopping after pair ${rep + 1}: the Sheaf run did not complete`);
      break;
    }
  }
  return out;
}

interface PairNames {
  sheaf: string;
  baseline: string;
  /** The check's label: Sheaf ÷ the baseline. */
  ratio: string;
  /** The second baseline, as listed and as named beside the check's ratio. */
  second?: { runs: string; short: string };
}

/** Each pair's ratio with its order and marks, then the medians of the quiet pairs and of all. */
function ratioFigure(ps: readonly Pair[], ratios: readonly number[]): string {
  const quiet = ratios.filter((_, i) => !ps[i].slowed);
  const marks = (p: Pair) => [p.baselineFirst ? 'rclone first' : 'Sheaf first', ...(p.slowed ? ['slowed'] : []), ...(p.sheaf.status !== 'completed' ? [`Sheaf ${p.sheaf.status}`] : [])];
  return (
    ps.map((p, i) => `${ratios[i].toFixed(2)} (${marks(p).join(', ')})`).join(', ') +
    `; median of the ${quiet.length} quiet pair(s) ${quiet.length ? median(quiet).toFixed(2) : 'n/a'}, of all ${median(ratios).toFixed(2)}; worst ${Math.max(...ratios).toFixed(2)}`
  );
}

/**
 * Figures, checks and the breakdown of the median pair, common to the comparisons. With
 * `quietOnly` (scenarios that create many files) the target is checked on the quiet pairs only.
 */
function reportPairs(
  report: ScenarioReport,
  ps: Pair[],
  names: PairNames,
  target: number | undefined,
  options: { quietOnly: boolean; rate?: (s: number) => string },
): void {
  const ratios = ps.map((p) => p.sheaf.seconds / p.baseline.seconds);
  const secondRatios = ps.map((p) => (p.second ? p.sheaf.seconds / p.second.seconds : NaN));
  const rate = options.rate;
  const withRate = (x: number) => (rate ? `${seconds(x)} (${rate(x)})` : seconds(x));
  const sheafRun = (p: Pair) => withRate(p.sheaf.seconds) + (p.sheaf.status !== 'completed' ? ` (${harvestStatus(p.sheaf)})` : '');
  report.figures.push(
    [`${names.sheaf}, each run`, `${ps.map(sheafRun).join(', ')}; median ${seconds(median(ps.map((p) => p.sheaf.seconds)))}`],
    [`${names.baseline}, each run`, `${list(ps.map((p) => p.baseline.seconds), withRate)}; median ${seconds(median(ps.map((p) => p.baseline.seconds)))}`],
  );
  if (names.second) {
    const runs = ps.map((p) => p.second?.seconds ?? NaN);
    report.figures.push([`${names.second.runs}, each run`, `${list(runs, withRate)}; median ${seconds(median(runs))}`]);
  }
  report.figures.push(['Ratio Sheaf ÷ rclone, each pair (order)', ratioFigure(ps, ratios)]);
  if (names.second) report.figures.push([`Ratio Sheaf ÷ ${names.second.short}, each pair (order)`, ratioFigure(ps, secondRatios)]);
  report.figures.push([
    `Creating ${count(PROBE_FILES)} empty files just before and just after each pair (a few hundredths of a second on a quiet file system; ten times that and more within minutes of a removal of many files; over ${QUIET_PROBE_SECONDS} s, before or after, marks the pair slowed)`,
    ps.map((p) => `${seconds(p.probe)} / ${seconds(p.probeAfter)}${p.slowed ? ' (slowed)' : ''}`).join(', '),
  ]);
  if (target !== undefined) {
    const checked = ps.map((p, i) => ({ ratio: ratios[i], second: secondRatios[i], slowed: p.slowed, failure: p.sheaf.status !== 'completed' ? harvestStatus(p.sheaf) : undefined }));
    report.checks.push(ratioCheck(names.ratio, checked, target, options.quietOnly, names.second?.short));
  }
  const commands = ps.flatMap((p) => (p.second ? [p.baseline, p.second] : [p.baseline]));
  for (const c of commands) {
    if (c.exitCode !== 0) report.checks.push(commandCheck('rclone', c));
  }
  if (commands.every((c) => c.exitCode === 0)) report.checks.push({ label: 'rclone exit code, every run', measured: 'exit 0', target: 'exit 0', met: true });
  // The breakdown of the pair whose ratio is the median of those the check is based on.
  const { pair: mid, which: midWhich } = medianPair(ps, (p) => ratios[ps.indexOf(p)], options.quietOnly);
  /** Where one pair's Sheaf run spent its time, under a heading that says which pair it is. */
  const breakdownOf = (p: Pair, which: string) => [
    `(pair ${ps.indexOf(p) + 1} of ${ps.length}, ${which}: Sheaf ${seconds(p.sheaf.seconds)}, rclone ${seconds(p.baseline.seconds)})`,
    ...p.profile.lines,
    cpuLine('that Sheaf run', p.sheafCpu, p.sheaf.seconds),
    walLine(p.sheafWal, p.sheaf.result.filesTotal),
  ];
  report.breakdown.push(...breakdownOf(mid, midWhich), cpuLine('that rclone run (rclone is counted under "everything else")', mid.baselineCpu, mid.baseline.seconds));
  // A Sheaf run far slower than the others gets a breakdown of its own: where an outlier's time went.
  const slowest = ps.reduce((a, b) => (b.sheaf.seconds > a.sheaf.seconds ? b : a));
  const slowdown = slowest.sheaf.seconds / median(ps.map((p) => p.sheaf.seconds));
  if (slowest !== mid && slowdown >= OUTLIER_SLOWDOWN) report.breakdown.push(...breakdownOf(slowest, `the slowest Sheaf run, ${slowdown.toFixed(1)} times the median`));
  const maxEvents = Math.max(...ps.map((p) => Math.max(...p.profile.history.executions.map((e) => e.events))));
  report.figures.push(['Max history events in one workflow execution', count(maxEvents)]);
  for (const [i, p] of ps.entries()) {
    if (p.profile.history.retries.length) report.figures.push([`Run ${i + 1}: ${retryFigure(p.profile.history)[0]}`, retryFigure(p.profile.history)[1]]);
  }
}

/** Trees of at most this many files are removed as soon as they have been measured; larger ones when the run ends. */
const FEW_FILES = 100;

/**
 * Full harvests vs `rclone copy` of the same tree, each to fresh folders, `repeat` times; the
 * ratio is checked against `target` when there is one. `pathTemplate` for the instrument's
 * destination (the default when unset). The large scenario also times `rclone copy
 * --ignore-checksum` in each pair: the worker's copy passes that flag (it verifies with SHA-256
 * itself), so plain `rclone copy` does an MD5 pass over source and copy that Sheaf's does not.
 */
async function copyComparison(
  ctx: BenchContext,
  key: 'small' | 'renamed' | 'large',
  report: ScenarioReport,
  dir: string,
  source: string,
  files: number,
  bytes: number,
  target: number | undefined,
  pathTemplate?: string,
): Promise<void> {
  const stack = ctx.stack;
  const rcloneDest = (rep: number) => join(dir, `rclone-dest-${rep}`);
  const noChecksumDest = (rep: number) => join(dir, `rclone-ignore-checksum-dest-${rep}`);
  const sheafDest = (rep: number) => join(dir, `sheaf-dest-${rep}`);
  const flags = ['--transfers', String(stack.tuning.transfers)];
  const withNoChecksum = key === 'large';
  const landed: Array<{ sheaf: { files: number; bytes: number }; rclone: { files: number; bytes: number }; noChecksum?: { files: number; bytes: number } }> = [];
  await withWorker(ctx, key, dir, async (worker) => {
    try {
      const ps = await pairs(ctx, worker, dir, {
        baseline: (rep) => timedCommand(stack.rclone, ['copy', source, rcloneDest(rep), ...flags], rcloneEnv()),
        second: withNoChecksum ? (rep) => timedCommand(stack.rclone, ['copy', source, noChecksumDest(rep), ...flags, '--ignore-checksum'], rcloneEnv()) : undefined,
        sheaf: async (rep) => {
          // A new instrument each time: every run is a full harvest into an empty destination.
          const instrumentId = await createInstrument(stack, `bench-${key}-${rep}-${Date.now().toString(36)}`, source, sheafDest(rep), pathTemplate);
          const stopProgress = progress(ctx, instrumentId, 15_000);
          return timedHarvest(stack, worker, instrumentId, { deadlineMs: HARVEST_DEADLINE_MS[key] }).finally(stopProgress);
        },
        afterPair: async (rep) => {
          landed.push({ sheaf: treeStats(sheafDest(rep)), rclone: treeStats(rcloneDest(rep)), ...(withNoChecksum && { noChecksum: treeStats(noChecksumDest(rep)) }) });
          // Removing thousands of files would slow the next pair's file creation (creationProbe);
          // a few large files are removed at once, to spare the disk.
          if (files <= FEW_FILES) {
            for (const d of [sheafDest(rep), rcloneDest(rep), noChecksumDest(rep)]) await rm(d, { recursive: true, force: true });
          }
        },
      });
      const rate = (s: number) => (key === 'large' ? `${(bytes / s / 1024 ** 2).toFixed(0)} MiB/s` : `${count(Math.round(files / s))} files/s`);
      reportPairs(
        report,
        ps,
        {
          sheaf: 'Sheaf full harvest (startHarvest → result)',
          baseline: `\`rclone copy SRC DST ${flags.join(' ')}\` (MD5 of source and copy compared)`,
          ratio: 'Sheaf harvest ÷ rclone copy',
          ...(withNoChecksum && { second: { runs: `\`rclone copy SRC DST ${flags.join(' ')} --ignore-checksum\` (no MD5 pass, as the worker's copy)`, short: 'rclone copy --ignore-checksum' } }),
        },
        target,
        // Slowed file creation matters where thousands of files are created, not for a few large ones.
        { quietOnly: files > FEW_FILES, rate },
      );
      report.figures.push(['Batches per harvest', count(ps[0].sheaf.result.batchesTotal)]);
      for (const [i, p] of ps.entries()) report.checks.push(harvestCheck(p.sheaf, files, `run ${i + 1}: files verified`));
      const tree = (who: string, t: { files: number; bytes: number }) => `${who} ${count(t.files)} / ${count(t.bytes)} B`;
      report.checks.push({
        label: 'files and bytes at each destination, every run',
        measured: landed
          .map((l) => [tree('Sheaf', l.sheaf), tree('rclone', l.rclone), ...(l.noChecksum ? [tree('rclone --ignore-checksum', l.noChecksum)] : [])].join(', '))
          .join('; '),
        target: `${count(files)} files / ${count(bytes)} B each`,
        met: landed.every((l) => [l.sheaf, l.rclone, ...(l.noChecksum ? [l.noChecksum] : [])].every((t) => t.files === files && t.bytes === bytes)),
      });
    } finally {
      recordMemory(report, worker, false);
    }
  });
}

/**
 * 10,000 files of 4 KiB in 100 folders, harvested under `pathTemplate` (the default when unset)
 * against `rclone copy` of the tree; the ratio is checked against `target` when there is one.
 */
async function smallTreeComparison(
  ctx: BenchContext,
  key: 'small' | 'renamed',
  report: ScenarioReport,
  dir: string,
  options: { target?: number; pathTemplate?: string; setup?: string },
): Promise<void> {
  const files = 10_000 / ctx.scale;
  const folders = Math.max(10, 100 / ctx.scale);
  const source = join(dir, 'source');
  const g = writeTree(source, files, folders, 4096);
  report.setup.push(
    generatedLine('Tree', g),
    ...(options.setup ? [options.setup] : []),
    tuningLine(ctx.stack),
    orderLine(ctx, options.pathTemplate ? 'rclone copy (no renaming)' : 'rclone copy', 'a full Sheaf harvest (a new instrument)', {
      target: options.target !== undefined,
      quietOnly: files > FEW_FILES,
    }),
  );
  ctx.log(`  ${generatedLine('tree', g)}`);
  await copyComparison(ctx, key, report, dir, source, files, g.bytes, options.target, options.pathTemplate);
}

export function small(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  return smallTreeComparison(ctx, 'small', report, dir, { target: 2 });
}

/** The small scenario's tree under a template that renames every file, so none is copied by a batch's `rclone copy`. */
const RENAMING_TEMPLATE = '{instrument}/{dir}/{stem}-v{version}{ext}';

/**
 * No target of issue #3: files whose destination path is not their source path under one folder
 * (later versions, renaming templates, redirects) are copied one by one through `rclone rcd`
 * (Rclone.copyEach), not by the batch's `rclone copy`; this measures what that costs against the
 * same `rclone copy` as the small scenario.
 */
export function renamed(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  return smallTreeComparison(ctx, 'renamed', report, dir, {
    pathTemplate: RENAMING_TEMPLATE,
    setup:
      `Path template \`${RENAMING_TEMPLATE}\`: every file lands under another name (\`d000/e003/file-0000030.dat\` as ` +
      `\`<instrument>/d000/e003/file-0000030-v1.dat\`); no target in issue #3, reported for comparison with the small scenario`,
  });
}

export async function large(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  const size = Math.floor(GiB / ctx.scale);
  const source = join(dir, 'source');
  const g = writeLargeFiles(source, 2, size);
  report.setup.push(
    `${generatedLine('Files', g)} (a 1 MiB random block repeated, each copy stamped with file and block number)`,
    'Plain `rclone copy` (the baseline of the target) hashes source and copy with MD5 to compare them; Sheaf\'s copy does not ' +
      '(the worker passes `--ignore-checksum`, services/worker/src/harvest/batch.ts) and verifies with its own SHA-256 pass over ' +
      'source and copy instead. `rclone copy --ignore-checksum` is timed in the same pairs, and Sheaf ÷ that is reported as well',
    tuningLine(ctx.stack),
    orderLine(ctx, 'rclone copy', 'a full Sheaf harvest (a new instrument)', { second: 'rclone copy --ignore-checksum' }),
  );
  ctx.log(`  ${generatedLine('files', g)}`);
  await copyComparison(ctx, 'large', report, dir, source, 2, g.bytes, 1.3);
}

/**
 * How a comparison's runs were ordered and where they wrote. `reharvest`: the runs reuse one
 * instrument and destination and rclone writes nothing; otherwise every run writes to fresh
 * folders. `second`: another rclone run timed between the two in each pair. `quietOnly`: the
 * target is checked on the quiet pairs only.
 */
function orderLine(ctx: BenchContext, baseline: string, sheaf: string, o: { target?: boolean; second?: string; reharvest?: boolean; quietOnly?: boolean } = {}): string {
  const order = o.second
    ? `alternating which goes first (odd pairs rclone first), with ${o.second} between them (${baseline}, ${o.second}, Sheaf; then Sheaf, ${o.second}, ${baseline})`
    : 'alternating which goes first (odd pairs rclone first)';
  const where = o.reharvest
    ? 'every re-harvest uses the one instrument and destination of the first harvest (the tree is unchanged: nothing is copied), and rclone lsjson writes nothing (its output goes to /dev/null)'
    : 'each to fresh folders (removed when the benchmark ends, or after the pair when they hold a few large files)';
  const checked = o.quietOnly
    ? `the target is checked on the median ratio of the quiet pairs (file creation probes before and after the pair at most ${QUIET_PROBE_SECONDS} s: slowed file creation slows rclone as much as Sheaf and drifts the ratio towards 1), and `
    : 'the target is checked on the median ratio, and ';
  return `${ctx.repeat} pair(s) of ${baseline} and ${sheaf}, back to back, ${order}; ${where}; ${(o.target ?? true) ? checked : ''}every run is listed`;
}

export async function reharvest(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  const stack = ctx.stack;
  const files = 100_000 / ctx.scale;
  const source = join(dir, 'source');
  const g = writeTree(source, files, Math.max(10, 100 / ctx.scale), 0);
  // Sheaf's listing command (libs/rclone), before the path.
  const sheafListing = `rclone ${LISTING_ARGS.join(' ')}`;
  const tunedEnv = Object.entries(LISTING_GC)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  report.setup.push(
    generatedLine('Tree (tiny files: their own number)', g),
    tuningLine(stack),
    `The target's baseline is plain \`rclone lsjson -R --files-only\` (Go's default collector, and a MIME type looked up for each file); ` +
      `Sheaf lists with \`${sheafListing}\` and \`${tunedEnv}\` (libs/rclone), so that listing is timed too, in the same pairs, and Sheaf ÷ it is reported beside the target's ratio`,
    `A first harvest (not in the ratio), then ${orderLine(ctx, '`rclone lsjson`', 'a re-harvest of the unchanged tree', { reharvest: true, second: "`rclone lsjson` with Sheaf's flags and environment" })}`,
  );
  ctx.log(`  ${generatedLine('tree', g)}`);
  await withWorker(ctx, 'reharvest', dir, async (worker) => {
    try {
      const instrumentId = await createInstrument(stack, `bench-reharvest-${Date.now().toString(36)}`, source, join(dir, 'sheaf-dest'));
      ctx.log('  first harvest (not timed for the ratio)…');
      const stopProgress = progress(ctx, instrumentId, 30_000);
      const first = await timedHarvest(stack, worker, instrumentId, { deadlineMs: HARVEST_DEADLINE_MS.reharvest }).finally(stopProgress);
      ctx.log(`  first harvest: ${seconds(first.seconds)} (${harvestStatus(first)})`);
      report.figures.push(['First harvest (not part of the ratio)', `${seconds(first.seconds)} (${count(first.result.batchesTotal)} batches, ${harvestStatus(first)})`]);
      report.checks.push(harvestCheck(first, files, 'first harvest verified every file'));
      // Re-harvests after a first harvest that did not complete would not measure a re-harvest.
      if (first.status !== 'completed') return;
      const ps = await pairs(ctx, worker, dir, {
        baseline: () => timedCommand(stack.rclone, ['lsjson', '-R', '--files-only', source], rcloneEnv()),
        // What Sheaf's listing runs (Rclone.listFiles): its command and its Go collector settings.
        second: () => timedCommand(stack.rclone, [...LISTING_ARGS, source], { ...rcloneEnv(), ...LISTING_GC }),
        sheaf: () => timedHarvest(stack, worker, instrumentId, { deadlineMs: HARVEST_DEADLINE_MS.reharvest }),
      });
      const [versions]: Array<{ n: string }> = await stack.dataSource.query(`SELECT count(*) AS n FROM file_versions WHERE instrument_id = $1`, [instrumentId]);
      reportPairs(
        report,
        ps,
        {
          sheaf: 'Sheaf re-harvest of the unchanged tree (startHarvest → result)',
          baseline: '`rclone lsjson -R --files-only SRC` (output to /dev/null)',
          ratio: 'Sheaf re-harvest ÷ rclone lsjson -R',
          second: {
            runs: `\`${sheafListing} SRC\` with \`${tunedEnv}\`, as Sheaf lists (output to /dev/null)`,
            short: "rclone lsjson with Sheaf's flags and environment",
          },
        },
        2,
        { quietOnly: false },
      );
      report.figures.push(['File versions in the catalogue after all runs', count(Number(versions.n))]);
      report.checks.push({
        label: 're-harvests copy nothing',
        measured: `${ps.map((p) => `${harvestStatus(p.sheaf)}, ${count(p.sheaf.result.filesTotal)} taken`).join('; ')}; ${count(Number(versions.n))} versions`,
        target: `succeeded, 0 taken, ${count(files)} versions`,
        met: ps.every((p) => p.sheaf.status === 'completed' && p.sheaf.result.status === 'succeeded' && p.sheaf.result.filesTotal === 0) && Number(versions.n) === files,
      });
    } finally {
      recordMemory(report, worker, false);
    }
  });
}

export async function million(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  const stack = ctx.stack;
  const files = 1_000_000 / ctx.scale;
  const source = join(dir, 'source');
  ctx.log(`  generating ${count(files)} files…`);
  const g = writeTree(source, files, 1000 / ctx.scale, 0);
  report.setup.push(generatedLine('Tree (tiny files: their own number, fs.writeFileSync in a loop)', g), tuningLine(stack));
  ctx.log(`  ${generatedLine('tree', g)}`);
  await withWorker(ctx, 'million', dir, async (worker) => {
    try {
      const instrumentId = await createInstrument(stack, `bench-million-${Date.now().toString(36)}`, source, join(dir, 'sheaf-dest'));
      const before = await worker.profile();
      flush();
      ctx.log('  harvest…');
      const stopProgress = progress(ctx, instrumentId, 60_000);
      const cpu0 = cpuSnapshot(stack, worker.pid);
      const h = await timedHarvest(stack, worker, instrumentId, { deadlineMs: HARVEST_DEADLINE_MS.million }).finally(stopProgress);
      const cpu = cpuDiff(cpu0, cpuSnapshot(stack, worker.pid));
      ctx.log(`  harvest: ${seconds(h.seconds)} (${harvestStatus(h)})`);
      const { history, lines } = await profile(ctx, h, worker, before);
      report.figures.push(
        [
          'Harvest wall time (startHarvest → result)',
          `${seconds(h.seconds)} (${(h.seconds / 60).toFixed(1)} min, ${count(Math.round(files / h.seconds))} files/s)` + (h.status !== 'completed' ? `; ${harvestStatus(h)}` : ''),
        ],
        ['Batches', count(h.result.batchesTotal)],
        ['Files verified / failed', `${count(h.result.filesDone)} / ${count(h.result.filesFailed)}`],
        ...historyFigures(history),
      );
      report.checks.push(harvestCheck(h, files), historyCheck(history));
      report.breakdown.push(...lines, cpuLine('the harvest', cpu, h.seconds));
    } finally {
      // The node worker's VmHWM and its process tree's peak (rclone included), each against 1 GiB.
      recordMemory(report, worker, true);
    }
  });
}

/**
 * Issue #6: the same tree harvested by 1, 2 and 3 worker processes on one task queue. Reports
 * throughput and how the batches were spread; the workflow's window grows with the workers so
 * that each can hold as many batches as one worker does alone.
 */
export async function scaleout(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  const stack = ctx.stack;
  const files = 20_000 / ctx.scale;
  const source = join(dir, 'source');
  const g = writeTree(source, files, 200 / ctx.scale, 4096);
  report.setup.push(
    generatedLine('Tree', g),
    tuningLine(stack),
    `Workflow window: ${stack.tuning.window} batches per worker process; all workers on one task queue; ${availableParallelism()} CPUs shared by everything`,
  );
  const rates: number[] = [];
  for (const n of [1, 2, 3]) {
    const taskQueue = `bench-scaleout-${n}-${Date.now().toString(36)}`;
    const workers = Array.from({ length: n }, () => startWorker(stack, taskQueue, ctx.log));
    try {
      // Untimed warm-up, so every worker is polling before the timed run.
      const warm = join(dir, `warm-${n}`);
      writeTree(join(warm, 'source'), 5 * n, n, 1024);
      const warmId = await createInstrument(stack, `warm-scaleout-${n}-${Date.now().toString(36)}`, join(warm, 'source'), join(warm, 'dest'));
      await timedHarvest(stack, workers[0], warmId, { window: stack.tuning.window * n, deadlineMs: HARVEST_DEADLINE_MS.scaleout });
      const instrumentId = await createInstrument(stack, `bench-scaleout-${n}-${Date.now().toString(36)}`, source, join(dir, `dest-${n}`));
      flush();
      const h = await timedHarvest(stack, workers[0], instrumentId, { window: stack.tuning.window * n, deadlineMs: HARVEST_DEADLINE_MS.scaleout });
      const spread: Array<{ worker: string; batches: number }> = await stack.dataSource.query(
        `SELECT worker, count(*)::int AS batches FROM harvest_batches WHERE run_id = $1 GROUP BY worker ORDER BY worker`,
        [h.runId],
      );
      rates.push(files / h.seconds);
      ctx.log(`  ${n} worker(s): ${seconds(h.seconds)}; batches per worker ${spread.map((s) => s.batches).join(' / ')}`);
      report.figures.push([
        `${n} worker process${n > 1 ? 'es' : ''}`,
        `${seconds(h.seconds)} (${count(Math.round(files / h.seconds))} files/s); batches per worker: ${spread.map((s) => s.batches).join(' / ')}`,
      ]);
      report.checks.push(harvestCheck(h, files, `files verified with ${n} worker(s)`));
      if (n > 1) {
        report.checks.push({
          label: `every one of ${n} workers ran batches`,
          measured: `${spread.length} worker(s) ran batches`,
          target: `${n}`,
          met: spread.length === n,
        });
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }
  report.figures.push(['Throughput relative to one worker', rates.map((r) => `${(r / rates[0]).toFixed(2)}×`).join(', ')]);
}

/**
 * Issue #4: API latency under load over 1,000,000 file rows: `GET /api/harvests/{id}` and file
 * searches, and a user's files and transfers (granted one small old instrument) beside an admin's
 * transfers of it, each driven by autocannon for a fixed time.
 */
export async function api(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  const stack = ctx.stack;
  const rows = 1_000_000 / ctx.scale;
  const suffix = Date.now().toString(36);
  const db = stack.dataSource;
  const [instrument] = await db.query(
    `INSERT INTO instruments (name, source_type, source_config) VALUES ($1, 'local', $2) RETURNING id`,
    [`bench-api-${suffix}`, { path: join(dir, 'none') }],
  );
  const [run] = await db.query(
    `INSERT INTO harvest_runs (instrument_id, trigger, status, phase, files_total, files_done, batches_total, batches_done, started_at, finished_at)
     VALUES ($1, 'api', 'succeeded', 'finished', $2, $2, $3, $3, now(), now()) RETURNING id`,
    [instrument.id, rows, Math.ceil(rows / 1000)],
  );
  ctx.log(`  seeding ${count(rows)} file rows…`);
  const seedStarted = performance.now();
  await db.query(
    `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, sha256, verified_at, first_run_id)
     SELECT $1, 'run ' || (i / 1000) || '/sample_' || i || '.raw', 4096, timestamptz '2026-01-01' + i * interval '1 second', 1,
            'verified', encode(sha256(i::text::bytea), 'hex'), now(), $3
     FROM generate_series(1, $2) AS i`,
    [instrument.id, rows, run.id],
  );
  // The run holds every version, one in 1,000 recorded as failed by its batch: the run page lists
  // its failures through the partial index of items with an outcome.
  await db.query(
    `INSERT INTO harvest_items (run_id, file_version_id, batch_no, outcome, reason)
     SELECT $2, id, n / 1000, CASE WHEN n % 1000 = 0 THEN 'failed' END,
            CASE WHEN n % 1000 = 0 THEN 'a different file already exists at ' || path || '; it was left untouched' END
     FROM (SELECT id, path, substring(path FROM 'sample_([0-9]+)')::int AS n FROM file_versions WHERE instrument_id = $1) v`,
    [instrument.id, run.id],
  );
  await db.query(`UPDATE harvest_runs SET status = 'failed', files_done = files_total - $2, files_failed = $2 WHERE id = $1`, [run.id, Math.floor(rows / 1000)]);
  // A small instrument retired a year before: 10,000 versions (1 % of the rows, few enough for the
  // planner to walk the newest first and expect its matches soon), each copied once then, granted
  // to a group whose member lists files and transfers. The big instrument's newest fifth was copied
  // since, so a walk down the newest versions or attempts passes all of the big one's first.
  const oldRows = 10_000 / ctx.scale;
  const [oldInstrument] = await db.query(`INSERT INTO instruments (name, source_type, source_config) VALUES ($1, 'local', $2) RETURNING id`, [
    `bench-api-old-${suffix}`,
    { path: join(dir, 'none') },
  ]);
  const [oldRun] = await db.query(
    `INSERT INTO harvest_runs (instrument_id, trigger, status, phase, files_total, files_done, started_at, finished_at, created_at)
     VALUES ($1, 'api', 'succeeded', 'finished', $2, $2, '2025-01-01', '2025-01-01', '2025-01-01') RETURNING id`,
    [oldInstrument.id, oldRows],
  );
  await db.query(
    `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, sha256, verified_at, first_run_id, created_at)
     SELECT $1, 'old/sample_' || i || '.raw', 4096, timestamptz '2025-01-01' + i * interval '1 second', 1,
            'verified', encode(sha256(('old' || i)::bytea), 'hex'), timestamptz '2025-01-01', $3, timestamptz '2025-01-01' + i * interval '1 second'
     FROM generate_series(1, $2) AS i`,
    [oldInstrument.id, oldRows, oldRun.id],
  );
  const [location] = await db.query(`INSERT INTO storage_locations (name, type, config) VALUES ($1, 'posix', $2) RETURNING id`, [
    `bench-api-${suffix}`,
    { path: join(dir, 'none') },
  ]);
  await db.query(
    `INSERT INTO transfers (run_id, file_version_id, storage_location_id, attempt, bytes, duration_ms, source_sha256, destination_sha256, status, created_at)
     SELECT first_run_id, id, $2, 1, size, 10, sha256, sha256, 'verified', verified_at FROM file_versions WHERE instrument_id = $1`,
    [oldInstrument.id, location.id],
  );
  await db.query(
    `INSERT INTO transfers (run_id, file_version_id, storage_location_id, attempt, bytes, duration_ms, source_sha256, destination_sha256, status)
     SELECT first_run_id, id, $2, 1, size, 10, sha256, sha256, 'verified' FROM file_versions WHERE instrument_id = $1 LIMIT $3`,
    [instrument.id, location.id, rows / 5],
  );
  const [oldGroup] = await db.query(`INSERT INTO groups (name) VALUES ($1) RETURNING id`, [`bench-old-${suffix}`]);
  await db.query(`INSERT INTO instrument_grants (instrument_id, group_id) VALUES ($1, $2)`, [oldInstrument.id, oldGroup.id]);
  await db.query('ANALYZE file_versions');
  await db.query('ANALYZE harvest_items');
  await db.query('ANALYZE transfers');
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const email = `bench-${suffix}@sheaf.local`;
  const password = 'bench-password-1';
  await db.query(`INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, 'Bench', 'admin', $2)`, [
    email,
    await hashPassword(password),
  ]);
  const userEmail = `bench-user-${suffix}@sheaf.local`;
  const [user] = await db.query(`INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, 'Bench user', 'user', $2) RETURNING id`, [
    userEmail,
    await hashPassword(password),
  ]);
  await db.query(`INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)`, [oldGroup.id, user.id]);

  const port = await freePort();
  const lines: string[] = [];
  const server = spawnService({
    name: 'api',
    command: process.execPath,
    args: [join(REPO_ROOT, 'services/api/dist/main.js')],
    env: {
      PATH: process.env.PATH,
      SHEAF_ENV: 'development',
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
      API_PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    log: (line) => lines.push(line),
  });
  try {
    await waitForPort('127.0.0.1', port, 60_000, 'the API');
    const base = `http://127.0.0.1:${port}`;
    const loginAs = async (who: string): Promise<string> => {
      const login = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: who, password }),
      });
      if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}\n${lines.join('\n')}`);
      return ((await login.json()) as { accessToken: string }).accessToken;
    };
    const adminToken = await loginAs(email);
    const userToken = await loginAs(userEmail);
    const targets: Array<[string, string, string]> = [
      ['GET /api/harvests/{id}', `/api/harvests/${run.id}`, adminToken],
      ['GET /api/harvests/{id}/failures?offset=500 (a later page)', `/api/harvests/${run.id}/failures?limit=50&offset=500`, adminToken],
      ['GET /api/files?name=sample_777 (name search)', '/api/files?name=sample_777&limit=50', adminToken],
      ['GET /api/files?pathPrefix=run 123/ (folder)', `/api/files?pathPrefix=${encodeURIComponent('run 123/')}&limit=50`, adminToken],
      ['GET /api/files (first page, no filter)', '/api/files?limit=50', adminToken],
      ['GET /api/files (first page, as a user granted the small old instrument)', '/api/files?limit=50', userToken],
      ['GET /api/transfers (first page, as that user)', '/api/transfers?limit=50', userToken],
      ['GET /api/transfers?instrumentId= the small old instrument (first page, admin)', `/api/transfers?instrumentId=${oldInstrument.id}&limit=50`, adminToken],
      ['GET /api/transfers?runId= the small old run (its page, admin)', `/api/transfers?runId=${oldRun.id}&limit=50`, adminToken],
      ['GET /api/files?instrumentId= the small old instrument, sort=acquired-newest (admin)', `/api/files?instrumentId=${oldInstrument.id}&sort=acquired-newest&limit=50`, adminToken],
      ['GET /api/files?sha256= (one version, admin)', `/api/files?sha256=${createHash('sha256').update('old7').digest('hex')}&limit=50`, adminToken],
    ];
    report.setup.push(
      `Rows: ${count(rows)} file versions of one instrument, seeded by SQL in ${seconds(seedSeconds)}; one finished run holding them all, ${count(Math.floor(rows / 1000))} of them recorded as failed; ` +
        `${count(rows / 5)} transfers of them; a small instrument a year older with ${count(oldRows)} file versions and one transfer each, granted to a group of one user`,
      'Load: autocannon, 10 connections, 10 s per route, with a JWT of an admin, or of that user where the route says so; the API, PostgreSQL and autocannon share the machine',
    );
    for (const [label, path, token] of targets) {
      const result = await autocannon({ url: `${base}${path}`, connections: 10, duration: 10 / Math.min(ctx.scale, 5), headers: { authorization: `Bearer ${token}` } });
      ctx.log(`  ${label}: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${Math.round(result.requests.average)} req/s`);
      report.figures.push([label, `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${count(Math.round(result.requests.average))} req/s, ${count(result.requests.total)} requests`]);
      report.checks.push({
        label: `${label}: every answer 2xx`,
        measured: `${count(result.non2xx)} non-2xx, ${count(result.errors)} errors, ${count(result.timeouts)} timeouts`,
        target: '0',
        met: result.non2xx === 0 && result.errors === 0 && result.timeouts === 0,
      });
    }
  } finally {
    await server.stop();
  }
}

export const RUNNERS: Record<ScenarioKey, { title: (scale: number) => string; run: (ctx: BenchContext, report: ScenarioReport, dir: string) => Promise<void> }> = {
  small: { title: (s) => `${count(10_000 / s)} files of 4 KiB, full harvest vs rclone copy`, run: small },
  renamed: { title: (s) => `${count(10_000 / s)} files of 4 KiB, each renamed on the way, full harvest vs rclone copy`, run: renamed },
  large: { title: (s) => `2 files of ${s === 1 ? '1 GiB' : `${(1024 / s).toFixed(1)} MiB`}, full harvest vs rclone copy (plain rclone copy hashes with MD5, Sheaf's copy does not: it verifies with SHA-256)`, run: large },
  reharvest: { title: (s) => `re-harvest of an unchanged ${count(100_000 / s)}-file tree vs rclone lsjson -R`, run: reharvest },
  million: { title: (s) => `${count(1_000_000 / s)}-file tree: completes, history size, worker memory`, run: million },
  scaleout: { title: (s) => `${count(20_000 / s)}-file tree harvested by 1, 2 and 3 worker processes`, run: scaleout },
  api: { title: (s) => `API latency under load over ${count(1_000_000 / s)} file rows`, run: api },
};

/** ext4 without a journal avoids inodes freed in the last 6 minutes at most (creationProbe). */
const SETTLE_LIMIT_SECONDS = 420;

/**
 * Waits, probing every 20 s, until creating files is not slowed by an earlier removal of many
 * files (a previous benchmark's folders, anyone's on the machine), for at most 7 minutes; says
 * in the report how long it waited and what the probes measured.
 */
async function settleFileSystem(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  const started = performance.now();
  const probes: number[] = [];
  for (;;) {
    probes.push(creationProbe(dir));
    const waited = (performance.now() - started) / 1000;
    if (probes.at(-1)! <= QUIET_PROBE_SECONDS || waited >= SETTLE_LIMIT_SECONDS) {
      if (probes.length > 1) {
        const settled = probes.at(-1)! <= QUIET_PROBE_SECONDS;
        report.setup.push(
          `File creation was slowed when the scenario began (${count(PROBE_FILES)} empty files took ${list(probes, seconds)}, every 20 s): ` +
            (settled ? `waited ${seconds(waited)} for it to settle` : `still slowed after ${seconds(waited)}; measured anyway`),
        );
      }
      return;
    }
    ctx.log(`  file creation is slowed (${count(PROBE_FILES)} empty files: ${seconds(probes.at(-1)!)}); waiting for it to settle…`);
    await new Promise((resolve) => setTimeout(resolve, 20_000));
  }
}

export async function runScenario(ctx: BenchContext, key: ScenarioKey, root: string, report: ScenarioReport): Promise<void> {
  const dir = join(root, key);
  await mkdir(dir, { recursive: true });
  await settleFileSystem(ctx, report, dir);
  // Left in place: removing a scenario's many files would slow the next scenario's file creation
  // (creationProbe); the benchmark's directory goes when it ends.
  await RUNNERS[key].run(ctx, report, dir);
}
