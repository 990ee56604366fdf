/**
 * The benchmark's own stack: an embedded PostgreSQL and a Temporal dev server in a temporary
 * folder, and the worker as a separate process (so its memory can be measured on its own).
 */
import { Client, Connection } from '@temporalio/client';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { loadServerConfig } from '@sheaf/config';
import { createDataSource, migrate } from '@sheaf/db';
import { freePort, spawnService, startEmbeddedPostgres, startTemporalDevServer, type Service } from '@sheaf/local-infra';
import { requireTool } from '@sheaf/toolchain';
import { REPO_ROOT } from '../repo-root';
import type { ProfileTotals } from './worker-profile';

const WORKER_MAIN = join(REPO_ROOT, 'services/worker/dist/main.js');
/** Preloaded into the worker: times catalogue, rclone and hashing calls (see worker-profile.ts). */
const PROFILE_HOOK = join(__dirname, 'worker-profile.js');
const WORKFLOW_BUNDLE = join(REPO_ROOT, 'services/worker/dist/workflow-bundle.js');
const NAMESPACE = 'default';

/** The harvest settings the worker runs with (the config defaults unless HARVEST_* / RCLONE_TRANSFERS are set). */
export interface HarvestTuning {
  batchFiles: number;
  batchBytes: number;
  window: number;
  transfers: number;
}

export interface BenchStack {
  /** Temporary root of everything the benchmark writes (mode 755: PostgreSQL runs as `postgres`). */
  readonly dir: string;
  readonly dataSource: DataSource;
  readonly client: Client;
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  readonly rclone: string;
  readonly temporal: string;
  readonly tuning: HarvestTuning;
  /** The services' main processes (PostgreSQL's postmaster, the Temporal CLI). */
  readonly groups: { postgres: number; temporal: number };
  stop(): Promise<void>;
}

/**
 * With BENCH_PG_STATEMENTS=FILE, PostgreSQL loads pg_stat_statements and the statements that
 * took the most time over the whole benchmark run are written to FILE when it stops: where the
 * catalogue's share of a harvest goes, statement by statement.
 */
const STATEMENTS_FILE = process.env.BENCH_PG_STATEMENTS;

/**
 * BENCH_PG_SETTINGS="name=value;name=value": extra PostgreSQL settings for an experiment (e.g.
 * log_autovacuum_min_duration=0); with it, every line PostgreSQL logs goes to the bench's log.
 */
const EXTRA_PG_SETTINGS = (process.env.BENCH_PG_SETTINGS ?? '').split(';').map((s) => s.trim()).filter(Boolean);

async function writeStatements(dataSource: DataSource, file: string): Promise<void> {
  const rows: Array<{ ms: string; calls: string; rows: string; per_call: string; query: string }> = await dataSource.query(
    `SELECT round(total_exec_time::numeric, 1) AS ms, calls, rows, round((total_exec_time / calls)::numeric, 3) AS per_call,
            regexp_replace(query, '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 40`,
  );
  const lines = rows.map((r) => `${r.ms} ms\t${r.calls} calls\t${r.rows} rows\t${r.per_call} ms/call\t${r.query.slice(0, 400)}`);
  await writeFile(file, lines.join('\n') + '\n');
}

export async function startStack(log: (line: string) => void, keep: boolean): Promise<BenchStack> {
  if (!existsSync(WORKER_MAIN) || !existsSync(WORKFLOW_BUNDLE)) {
    throw new Error(`${WORKER_MAIN} or its workflow bundle is missing: run 'npm run build:server' (tsc -b and the worker bundle) first`);
  }
  const rclone = requireTool('rclone', process.env);
  const temporalBin = requireTool('temporal', process.env);
  const dir = await mkdtemp(join(tmpdir(), 'sheaf-bench-'));
  // As root, PostgreSQL runs as the `postgres` user, which must be able to enter this folder.
  await chmod(dir, 0o755);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => log(`  (stop failed: ${String(err)})`));
    stops.length = 0;
    if (!keep) await rm(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  };
  try {
    // persistent: fsync stays on, as on a real server; the folder is removed with `dir`.
    const pg = await startEmbeddedPostgres({
      dataDir: join(dir, 'postgres'),
      port: await freePort(),
      persistent: true,
      database: 'sheaf',
      settings: [
        ...(STATEMENTS_FILE ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] : []),
        ...EXTRA_PG_SETTINGS,
      ],
      log: (line) => {
        if (EXTRA_PG_SETTINGS.length > 0 || /ERROR|FATAL|PANIC/.test(line)) log(line);
      },
    });
    stops.push(() => pg.stop());
    const dataSource = createDataSource({ url: pg.url, applicationName: 'sheaf-bench', poolSize: 4 });
    await dataSource.initialize();
    stops.push(() => dataSource.destroy());
    await migrate(dataSource);
    if (STATEMENTS_FILE) {
      await dataSource.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      stops.push(() => writeStatements(dataSource, STATEMENTS_FILE));
    }

    const server = await startTemporalDevServer({
      binary: temporalBin,
      dbFile: join(dir, 'temporal', 'temporal.db'),
      namespace: NAMESPACE,
      log: () => undefined,
    });
    stops.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: NAMESPACE });

    // The worker's own defaults (libs/config), with any HARVEST_* / RCLONE_TRANSFERS override from this shell.
    const config = loadServerConfig({ ...process.env, DATABASE_URL: pg.url });
    const tuning: HarvestTuning = {
      batchFiles: config.harvest.batchFiles,
      batchBytes: config.harvest.batchBytes,
      window: config.harvest.window,
      transfers: config.harvest.rcloneTransfers,
    };
    const postmaster = Number(readFileSync(join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return {
      dir,
      dataSource,
      client,
      databaseUrl: pg.url,
      temporalAddress: server.address,
      rclone,
      temporal: temporalBin,
      tuning,
      groups: { postgres: postmaster, temporal: server.service.pid },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Memory of the worker: its own VmRSS and its process tree's (rclone included) sampled every 200 ms, VmHWM at the end. */
export interface MemoryReport {
  /** Highest VmRSS seen by sampling, KiB. */
  sampledPeakKiB: number;
  /** The kernel's high-water mark of the worker's RSS (VmHWM), KiB. */
  hwmKiB: number;
  /** Highest sum of VmRSS over the worker and its descendants (rclone children included), sampled every 200 ms, KiB. */
  treePeakKiB: number;
  samples: number;
}

function statusField(pid: number, field: string): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `root` and its descendants, found through each thread's /proc children list (the children it
 * forked; the kernel moves those of a thread that ends to another of its process): a few small
 * files per sample rather than every process's stat.
 */
function descendants(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.pop() as number;
    out.push(pid);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      // It ended while we looked.
      continue;
    }
    for (const tid of tasks) {
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (child.trim()) queue.push(Number(child));
      } catch {
        // The thread ended while we looked.
      }
    }
  }
  return out;
}

/** The sum of VmRSS over `root` and its descendants (the worker with its rclone children), KiB. */
function treeRssKiB(root: number): number {
  let total = 0;
  for (const pid of descendants(root)) total += statusField(pid, 'VmRSS') ?? 0;
  return total;
}

export interface BenchWorker {
  readonly pid: number;
  readonly taskQueue: string;
  /** Stops sampling and reads VmHWM; call before stop(). */
  memory(): MemoryReport;
  /** Running totals of the worker's timed calls (after the hook's next flush). */
  profile(): Promise<ProfileTotals>;
  stop(): Promise<void>;
}

/** `node services/worker/dist/main.js` in its own process group, configured through its environment. */
export function startWorker(stack: BenchStack, taskQueue: string, log: (line: string) => void): BenchWorker {
  const profileFile = join(stack.dir, `profile-${taskQueue}.json`);
  const recent: string[] = [];
  const service: Service = spawnService({
    name: 'worker',
    command: process.execPath,
    // SHEAF_BENCH_WORKER_NODE_ARGS adds node flags for profiling (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
    args: [...(process.env.SHEAF_BENCH_WORKER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []), '-r', PROFILE_HOOK, WORKER_MAIN],
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SHEAF_ENV: 'development',
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      HARVEST_BATCH_FILES: String(stack.tuning.batchFiles),
      HARVEST_BATCH_BYTES: String(stack.tuning.batchBytes),
      HARVEST_BATCH_WINDOW: String(stack.tuning.window),
      // The worker refuses a pool smaller than its window + 2 (libs/config, loadWorkerConfig).
      DB_POOL_SIZE: String(Math.max(10, stack.tuning.window + 2)),
      RCLONE_TRANSFERS: String(stack.tuning.transfers),
      SHEAF_RCLONE_BIN: stack.rclone,
      LOG_LEVEL: 'warn',
      SHEAF_BENCH_PROFILE: profileFile,
    },
    // LOG_LEVEL=warn: only warnings and errors are shown; the last lines go into the error if the worker dies.
    log: (line) => {
      recent.push(line);
      if (recent.length > 60) recent.shift();
      log(line);
    },
  });
  let sampledPeakKiB = 0;
  let treePeakKiB = 0;
  let samples = 0;
  // The tree on every tick too: an rclone child lives for a batch's copy or a listing, and a
  // sparser sample could miss its peak (the tree's peak is checked against the 1 GiB limit).
  const timer = setInterval(() => {
    const rss = statusField(service.pid, 'VmRSS');
    if (rss !== undefined) {
      samples++;
      sampledPeakKiB = Math.max(sampledPeakKiB, rss);
    }
    treePeakKiB = Math.max(treePeakKiB, treeRssKiB(service.pid));
  }, 200);
  let report: MemoryReport | undefined;
  void service.exited.then((code) => {
    clearInterval(timer);
    if (!report) log(`worker exited unexpectedly (${code}); its last lines:\n${recent.join('\n')}`);
  });
  return {
    pid: service.pid,
    taskQueue,
    memory() {
      if (!report) {
        clearInterval(timer);
        const hwmKiB = statusField(service.pid, 'VmHWM');
        if (hwmKiB === undefined) throw new Error(`the worker (pid ${service.pid}) is gone; its VmHWM cannot be read`);
        report = { sampledPeakKiB, hwmKiB, treePeakKiB, samples };
      }
      return report;
    },
    async profile() {
      await sleep(1300);
      try {
        return JSON.parse(readFileSync(profileFile, 'utf8')) as ProfileTotals;
      } catch {
        return {};
      }
    },
    async stop() {
      clearInterval(timer);
      report ??= { sampledPeakKiB, hwmKiB: statusField(service.pid, 'VmHWM') ?? 0, treePeakKiB, samples };
      await service.stop(40_000);
    },
  };
}

// ---- CPU accounting (where the machine's cores went during a timed step) ----

const CLOCK_TICKS = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime, ticks. */
  self: number;
  /** cutime + cstime (reaped children), ticks. */
  children: number;
}

function procStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), { ppid: Number(f[1]), self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) });
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

export interface CpuSnapshot {
  /** CPU seconds so far: the worker's node process, its rclone children, PostgreSQL, Temporal, this bench process. */
  worker: number;
  rclone: number;
  postgres: number;
  temporal: number;
  bench: number;
  /** Busy CPU seconds of the whole machine (/proc/stat), everyone included. */
  machine: number;
}

/**
 * A process and its descendants (by parent pid: PostgreSQL's backends leave their parent's
 * process group), plus the children it has already reaped (cutime, cstime).
 */
function treeTicks(stats: Map<number, ProcStat>, root: number): { leader: number; total: number } {
  const members = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of stats) {
      if (!members.has(pid) && members.has(p.ppid)) {
        members.add(pid);
        grew = true;
      }
    }
  }
  let total = 0;
  for (const pid of members) total += stats.get(pid)?.self ?? 0;
  const l = stats.get(root);
  return { leader: l?.self ?? 0, total: total + (l?.children ?? 0) };
}

/**
 * PostgreSQL's WAL insert position in bytes: two of them apart is the WAL written in between,
 * every row and index entry the catalogue wrote (and its full-page images).
 */
export async function walPosition(stack: BenchStack): Promise<number> {
  const [row]: Array<{ bytes: string }> = await stack.dataSource.query(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint AS bytes`);
  return Number(row.bytes);
}

export function cpuSnapshot(stack: BenchStack, workerPid: number): CpuSnapshot {
  const stats = procStats();
  const worker = treeTicks(stats, workerPid);
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
  const busy = line.slice(0, 8).reduce((a, b) => a + b, 0) - line[3] - line[4];
  const usage = process.cpuUsage();
  return {
    worker: worker.leader / CLOCK_TICKS,
    rclone: (worker.total - worker.leader) / CLOCK_TICKS,
    postgres: treeTicks(stats, stack.groups.postgres).total / CLOCK_TICKS,
    temporal: treeTicks(stats, stack.groups.temporal).total / CLOCK_TICKS,
    bench: (usage.user + usage.system) / 1e6,
    machine: busy / CLOCK_TICKS,
  };
}

export function cpuDiff(a: CpuSnapshot, b: CpuSnapshot): CpuSnapshot {
  return {
    worker: b.worker - a.worker,
    rclone: b.rclone - a.rclone,
    postgres: b.postgres - a.postgres,
    temporal: b.temporal - a.temporal,
    bench: b.bench - a.bench,
    machine: b.machine - a.machine,
  };
}
