/** The four benchmark scenarios of issue #3. */
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeLargeFiles, writeTree, type Generated } from './generate';
import {
  breakdown,
  createInstrument,
  flush,
  historyStats,
  profileDiff,
  timedCommand,
  timedHarvest,
  type Breakdown,
  type HistoryStats,
  type TimedCommand,
  type TimedHarvest,
} from './measure';
import { count, mib, seconds, type Check, type ScenarioKey, type ScenarioReport } from './report';
import { cpuDiff, cpuSnapshot, startWorker, type BenchStack, type BenchWorker, type CpuSnapshot, type MemoryReport } from './stack';
import type { ProfileTotals } from './worker-profile';

export interface BenchContext {
  stack: BenchStack;
  /** 1 for the real sizes, 10 for --quick. */
  scale: number;
  keep: boolean;
  log: (line: string) => void;
}

const GiB = 1024 ** 3;
const MAX_EVENTS = 10_240;
const RSS_LIMIT_KIB = 1024 * 1024;

/** Regular files under a folder, recursively, and their bytes. */
function treeStats(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += statSync(join(e.parentPath, e.name)).size;
  }
  return { files, bytes };
}

function ratioCheck(label: string, sheaf: number, baseline: number, target: number): Check {
  const ratio = sheaf / baseline;
  return { label, measured: Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a', target: `≤ ${target}`, met: ratio <= target };
}

function harvestCheck(h: TimedHarvest, files: number, what = 'files verified'): Check {
  const ok = h.result.status === 'succeeded' && h.result.filesDone === files && h.result.filesFailed === 0;
  return {
    label: `harvest ${h.result.status}, ${what}`,
    measured: `${h.result.status}: ${count(h.result.filesDone)} done, ${count(h.result.filesFailed)} failed, ${count(h.result.filesDeferred)} deferred`,
    target: `succeeded, ${count(files)} done, 0 failed`,
    met: ok,
  };
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
  const stage = c('sql.stageListing');
  const plan = c('sql.planRun');
  const clear = c('sql.clearListing');
  lines.push(
    `discover activity: ${seconds(b.discover)}${pct(b.discover)}: staging inserts ${seconds(stage.s)} (${count(stage.calls)} calls, awaited in the listing loop), ` +
      `planning SQL ${seconds(plan.s)}, clearing staging ${seconds(clear.s)}, the rest (rclone lsjson, parsing, loading the run) ${seconds(Math.max(0, b.discover - stage.s - plan.s - clear.s))}`,
  );
  if (b.batches > 0) {
    const n = b.batches;
    const per = (label: string) => c(label).s / n;
    const inner = per('batch.processBatch');
    const copy = per('rclone.copyFiles') + per('rclone.copyTo');
    const hash = per('hash.digestLocalFiles') + per('rclone.sha256') + per('rclone.stat');
    const load = per('sql.loadBatch');
    const record = per('sql.recordDeliveries');
    const aside = per('sql.setAside') + per('sql.recordPostHooks');
    const bookends = per('sql.startBatch') + per('sql.finishBatch');
    const activity = b.batchSum / n;
    lines.push(
      `batches: ${count(n)}, first start → last end ${seconds(b.batchWall)}${pct(b.batchWall)}; ${b.concurrency.toFixed(2)} batch activities running at once on average ` +
        `(window ${window}); mean wait from scheduled to started ${seconds(b.queueMean)}`,
      `one batch activity (mean of ${count(n)}; max ${seconds(b.batchMax)}): ${seconds(activity)} = ` +
        `rclone copy ${seconds(copy)} + SHA-256 of source and copy ${seconds(hash)} + loading the batch (2×) ${seconds(load)} + ` +
        `recording deliveries, verified versions and ARKs ${seconds(record)} + hook outcomes ${seconds(aside)} + ` +
        `other work inside the batch (pre/post hooks, existence check of destination paths) ${seconds(Math.max(0, inner - copy - hash - load - record - aside))} + ` +
        `start/finish bookkeeping ${seconds(bookends)} + activity set-up (run, locations, hooks queries) ${seconds(Math.max(0, activity - inner - bookends))}`,
      `(rclone's own measure: the copy step of a batch took ${seconds(b.copyMean)} on average, from transfers.duration_ms)`,
    );
  }
  lines.push(`last batch end → workflow closed (finishRun): ${seconds(b.finish)}${pct(b.finish)}`);
  return lines;
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

function historyFigures(h: HistoryStats): Array<[string, string]> {
  const max = Math.max(...h.executions.map((e) => e.events));
  return [
    ['Workflow executions (incl. continued-as-new)', `${h.executions.length} (visibility listed ${h.listed})`],
    ['History events per execution', h.executions.map((e) => count(e.events)).join(', ')],
    ['Max events in one execution', count(max)],
  ];
}

function memoryFigures(m: MemoryReport): Array<[string, string]> {
  return [
    ['Worker peak RSS (VmHWM)', mib(m.hwmKiB)],
    ['Worker peak RSS (sampled VmRSS every 200 ms)', `${mib(m.sampledPeakKiB)} (${count(m.samples)} samples)`],
    ['Worker process group peak RSS (worker + rclone, sampled every 1 s)', mib(m.groupPeakKiB)],
  ];
}

/** A fresh worker for the scenario, warmed up with a tiny untimed harvest, stopped afterwards. */
async function withWorker<T>(ctx: BenchContext, key: ScenarioKey, dir: string, fn: (worker: BenchWorker) => Promise<T>): Promise<T> {
  const worker = startWorker(ctx.stack, `bench-${key}-${Date.now().toString(36)}`, ctx.log);
  try {
    const warm = join(dir, 'warm-up');
    writeTree(join(warm, 'source'), 5, 1, 1024);
    const id = await createInstrument(ctx.stack, `warm-${key}-${Date.now().toString(36)}`, join(warm, 'source'), join(warm, 'dest'));
    const h = await timedHarvest(ctx.stack, worker, id);
    if (h.result.status !== 'succeeded') throw new Error(`the warm-up harvest ended ${h.result.status}`);
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

/** Full harvest vs `rclone copy` of the same tree, both to fresh folders. */
async function copyComparison(
  ctx: BenchContext,
  key: 'small' | 'large',
  report: ScenarioReport,
  dir: string,
  source: string,
  files: number,
  bytes: number,
  target: number,
): Promise<void> {
  const stack = ctx.stack;
  const rcloneDest = join(dir, 'rclone-dest');
  const sheafDest = join(dir, 'sheaf-dest');
  const rcloneArgs = ['copy', source, rcloneDest, '--transfers', String(stack.tuning.transfers)];
  await withWorker(ctx, key, dir, async (worker) => {
    flush();
    ctx.log(`  rclone ${rcloneArgs.join(' ')}`);
    const cpu0 = cpuSnapshot(stack, worker.pid);
    const rclone = await timedCommand(stack.rclone, rcloneArgs, rcloneEnv());
    const rcloneCpu = cpuDiff(cpu0, cpuSnapshot(stack, worker.pid));
    ctx.log(`  rclone copy: ${seconds(rclone.seconds)} (exit ${rclone.exitCode})`);
    const instrumentId = await createInstrument(stack, `bench-${key}-${Date.now().toString(36)}`, source, sheafDest);
    const before = await worker.profile();
    flush();
    ctx.log('  Sheaf harvest…');
    const stopProgress = progress(ctx, instrumentId, 15_000);
    const cpu1 = cpuSnapshot(stack, worker.pid);
    const sheaf = await timedHarvest(stack, worker, instrumentId).finally(stopProgress);
    const sheafCpu = cpuDiff(cpu1, cpuSnapshot(stack, worker.pid));
    ctx.log(`  Sheaf harvest: ${seconds(sheaf.seconds)} (${sheaf.result.status})`);
    const memory = worker.memory();
    const { history, lines } = await profile(ctx, sheaf, worker, before);
    const landedRclone = treeStats(rcloneDest);
    const landedSheaf = treeStats(sheafDest);
    const rate = (s: number) => (key === 'small' ? `${count(Math.round(files / s))} files/s` : `${((bytes / s) / 1024 ** 2).toFixed(0)} MiB/s`);
    report.figures.push(
      ['Sheaf full harvest (startHarvest → result)', `${seconds(sheaf.seconds)} (${rate(sheaf.seconds)})`],
      [`\`rclone ${['copy', 'SRC', 'DST', ...rcloneArgs.slice(3)].join(' ')}\``, `${seconds(rclone.seconds)} (${rate(rclone.seconds)})`],
      ['Ratio Sheaf ÷ rclone', (sheaf.seconds / rclone.seconds).toFixed(2)],
      ['Batches', count(sheaf.result.batchesTotal)],
      ['Landed at the destination (Sheaf / rclone)', `${count(landedSheaf.files)} files, ${count(landedSheaf.bytes)} bytes / ${count(landedRclone.files)} files, ${count(landedRclone.bytes)} bytes`],
      ...historyFigures(history),
      ...memoryFigures(memory),
    );
    report.checks.push(
      ratioCheck('Sheaf harvest ÷ rclone copy', sheaf.seconds, rclone.seconds, target),
      harvestCheck(sheaf, files),
      commandCheck('rclone copy', rclone),
      {
        label: 'files and bytes at each destination',
        measured: `Sheaf ${count(landedSheaf.files)} / ${count(landedSheaf.bytes)} B, rclone ${count(landedRclone.files)} / ${count(landedRclone.bytes)} B`,
        target: `${count(files)} files / ${count(bytes)} B each`,
        met: [landedSheaf, landedRclone].every((t) => t.files === files && t.bytes === bytes),
      },
    );
    report.breakdown.push(...lines, cpuLine('the Sheaf harvest', sheafCpu, sheaf.seconds), cpuLine('rclone copy (rclone is counted under "everything else")', rcloneCpu, rclone.seconds));
  });
}

export async function small(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  const files = 10_000 / ctx.scale;
  const folders = Math.max(10, 100 / ctx.scale);
  const source = join(dir, 'source');
  const g = writeTree(source, files, folders, 4096);
  report.setup.push(generatedLine('Tree', g), tuningLine(ctx.stack), 'Order: rclone copy first, then the Sheaf harvest, each to a fresh folder.');
  ctx.log(`  ${generatedLine('tree', g)}`);
  await copyComparison(ctx, 'small', report, dir, source, files, g.bytes, 2);
}

export async function large(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  const size = Math.floor(GiB / ctx.scale);
  const source = join(dir, 'source');
  const g = writeLargeFiles(source, 2, size);
  report.setup.push(
    `${generatedLine('Files', g)} (a 1 MiB random block repeated, each copy stamped with file and block number)`,
    tuningLine(ctx.stack),
    'Order: rclone copy first, then the Sheaf harvest, each to a fresh folder.',
  );
  ctx.log(`  ${generatedLine('files', g)}`);
  await copyComparison(ctx, 'large', report, dir, source, 2, g.bytes, 1.3);
}

export async function reharvest(ctx: BenchContext, report: ScenarioReport, dir: string): Promise<void> {
  const stack = ctx.stack;
  const files = 100_000 / ctx.scale;
  const source = join(dir, 'source');
  const g = writeTree(source, files, Math.max(10, 100 / ctx.scale), 0);
  report.setup.push(generatedLine('Tree (tiny files: their own number)', g), tuningLine(stack), 'Order: first harvest (not in the ratio), then `rclone lsjson`, then the timed re-harvest.');
  ctx.log(`  ${generatedLine('tree', g)}`);
  await withWorker(ctx, 'reharvest', dir, async (worker) => {
    const instrumentId = await createInstrument(stack, `bench-reharvest-${Date.now().toString(36)}`, source, join(dir, 'sheaf-dest'));
    ctx.log('  first harvest (not timed for the ratio)…');
    const stopProgress = progress(ctx, instrumentId, 30_000);
    const first = await timedHarvest(stack, worker, instrumentId).finally(stopProgress);
    ctx.log(`  first harvest: ${seconds(first.seconds)} (${first.result.status})`);
    const lsArgs = ['lsjson', '-R', '--files-only', source];
    flush();
    const cpu0 = cpuSnapshot(stack, worker.pid);
    const ls = await timedCommand(stack.rclone, lsArgs, rcloneEnv());
    const lsCpu = cpuDiff(cpu0, cpuSnapshot(stack, worker.pid));
    ctx.log(`  rclone lsjson -R --files-only: ${seconds(ls.seconds)} (exit ${ls.exitCode})`);
    const before = await worker.profile();
    flush();
    const cpu1 = cpuSnapshot(stack, worker.pid);
    const again = await timedHarvest(stack, worker, instrumentId);
    const againCpu = cpuDiff(cpu1, cpuSnapshot(stack, worker.pid));
    ctx.log(`  re-harvest: ${seconds(again.seconds)} (${again.result.status}, ${again.result.filesTotal} files taken)`);
    const memory = worker.memory();
    const { history, lines } = await profile(ctx, again, worker, before);
    const [versions]: Array<{ n: string }> = await stack.dataSource.query(`SELECT count(*) AS n FROM file_versions WHERE instrument_id = $1`, [instrumentId]);
    report.figures.push(
      ['First harvest (not part of the ratio)', `${seconds(first.seconds)} (${count(first.result.batchesTotal)} batches, ${first.result.status})`],
      ['Sheaf re-harvest of the unchanged tree (startHarvest → result)', seconds(again.seconds)],
      ['`rclone lsjson -R --files-only SRC` (output to /dev/null)', seconds(ls.seconds)],
      ['Ratio Sheaf ÷ rclone lsjson', (again.seconds / ls.seconds).toFixed(2)],
      ['Files listed by the re-harvest / taken on', `${count(again.result.filesTotal === 0 ? files : again.result.filesTotal)} listed / ${count(again.result.filesTotal)} taken`],
      ['File versions in the catalogue after both runs', count(Number(versions.n))],
      ...historyFigures(history),
      ...memoryFigures(memory),
    );
    report.checks.push(
      ratioCheck('Sheaf re-harvest ÷ rclone lsjson -R', again.seconds, ls.seconds, 2),
      harvestCheck(first, files, 'first harvest verified every file'),
      {
        label: 're-harvest copies nothing',
        measured: `${again.result.status}, ${count(again.result.filesTotal)} files taken, ${count(Number(versions.n))} versions`,
        target: `succeeded, 0 taken, ${count(files)} versions`,
        met: again.result.status === 'succeeded' && again.result.filesTotal === 0 && Number(versions.n) === files,
      },
      commandCheck('rclone lsjson', ls),
    );
    report.breakdown.push(...lines, cpuLine('the re-harvest', againCpu, again.seconds), cpuLine('rclone lsjson (counted under "everything else")', lsCpu, ls.seconds));
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
    const instrumentId = await createInstrument(stack, `bench-million-${Date.now().toString(36)}`, source, join(dir, 'sheaf-dest'));
    const before = await worker.profile();
    flush();
    ctx.log('  harvest…');
    const stopProgress = progress(ctx, instrumentId, 60_000);
    const cpu0 = cpuSnapshot(stack, worker.pid);
    const h = await timedHarvest(stack, worker, instrumentId).finally(stopProgress);
    const cpu = cpuDiff(cpu0, cpuSnapshot(stack, worker.pid));
    ctx.log(`  harvest: ${seconds(h.seconds)} (${h.result.status})`);
    const memory = worker.memory();
    const { history, lines } = await profile(ctx, h, worker, before);
    const maxEvents = Math.max(...history.executions.map((e) => e.events));
    report.figures.push(
      ['Harvest wall time (startHarvest → result)', `${seconds(h.seconds)} (${(h.seconds / 60).toFixed(1)} min, ${count(Math.round(files / h.seconds))} files/s)`],
      ['Batches', count(h.result.batchesTotal)],
      ['Files verified / failed', `${count(h.result.filesDone)} / ${count(h.result.filesFailed)}`],
      ...historyFigures(history),
      ...memoryFigures(memory),
    );
    report.checks.push(
      harvestCheck(h, files),
      { label: 'no execution exceeds 10,240 history events', measured: `max ${count(maxEvents)} over ${history.executions.length} execution(s)`, target: `≤ ${count(MAX_EVENTS)}`, met: maxEvents <= MAX_EVENTS },
      { label: 'worker peak RSS (VmHWM)', measured: mib(memory.hwmKiB), target: '< 1024 MiB', met: memory.hwmKiB < RSS_LIMIT_KIB },
    );
    report.breakdown.push(...lines, cpuLine('the harvest', cpu, h.seconds));
  });
}

export const RUNNERS: Record<ScenarioKey, { title: (scale: number) => string; run: (ctx: BenchContext, report: ScenarioReport, dir: string) => Promise<void> }> = {
  small: { title: (s) => `${count(10_000 / s)} files of 4 KiB, full harvest vs rclone copy`, run: small },
  large: { title: (s) => `2 files of ${s === 1 ? '1 GiB' : `${(1024 / s).toFixed(1)} MiB`}, full harvest vs rclone copy`, run: large },
  reharvest: { title: (s) => `re-harvest of an unchanged ${count(100_000 / s)}-file tree vs rclone lsjson -R`, run: reharvest },
  million: { title: (s) => `${count(1_000_000 / s)}-file tree: completes, history size, worker memory`, run: million },
};

export async function runScenario(ctx: BenchContext, key: ScenarioKey, root: string, report: ScenarioReport): Promise<void> {
  const dir = join(root, key);
  await mkdir(dir, { recursive: true });
  try {
    await RUNNERS[key].run(ctx, report, dir);
  } finally {
    if (!ctx.keep) {
      ctx.log(`  removing ${dir}…`);
      await rm(dir, { recursive: true, force: true });
    }
  }
}
