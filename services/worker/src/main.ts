// First: it sizes libuv's thread pool, which must happen before the pool's first use.
import './thread-pool';
import { existsSync } from 'node:fs';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { mintArk } from '@sheaf/ark';
import { loadWorkerConfig, workerActivitySlots } from '@sheaf/config';
import { SecretBox } from '@sheaf/crypto';
import { assertSchemaCurrent, createDataSource } from '@sheaf/db';
import { requireTool } from '@sheaf/toolchain';
import { WORKFLOW_BUNDLE_PATH } from './bundle-paths';
import { databaseAddress, fatalLogLine, secretsOf, step } from './fatal';
import { startWorkerHealthServer } from './health';
import { installWorkerRuntime } from './runtime';
import { createHarvestWorker } from './worker';

/** What of DATABASE_URL the fatal line must not show (fatal.ts), once the configuration is read. */
let secrets: string[] = [];

/**
 * How long closing the health server, the Temporal connection and the pool may take once the
 * worker has drained; then the process exits all the same.
 */
const CLEANUP_MS = 10_000;

/**
 * Runs the cleanup after the drain, for at most `ms`: true when it finished. The timer is
 * unref'd: it keeps nothing alive itself.
 */
async function cleanupWithin(ms: number, cleanup: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([cleanup().then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long an exit waits for the log lines already written to go out. */
const FLUSH_MS = 2_000;

/**
 * Exits with `code` once stdout and stderr have written out what was written to them, or after
 * FLUSH_MS: to a pipe (a container's log) they are written asynchronously, and process.exit()
 * drops what is still queued, such as the drain's last lines or the line saying why it stopped.
 */
function exitFlushed(code: number): void {
  setTimeout(() => process.exit(code), FLUSH_MS);
  let pending = 2;
  const flushed = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}

async function main(): Promise<void> {
  // Refused when DB_POOL_SIZE is below HARVEST_BATCH_WINDOW + 2 (libs/config, workerPoolNeed).
  const config = await step('cannot read the configuration', () => loadWorkerConfig());
  secrets = secretsOf(config.databaseUrl);
  installWorkerRuntime({ logLevel: config.logLevel, metricsAddress: config.worker.metricsAddress });
  if (!existsSync(WORKFLOW_BUNDLE_PATH)) {
    throw new Error(`workflow bundle ${WORKFLOW_BUNDLE_PATH} is missing: run 'npm run build' first`);
  }
  const rcloneBinary = await step('cannot find rclone', () => requireTool('rclone', config.tools));
  // Probes are answered from here on: alive, and unready until the worker polls its task queue.
  let worker: Worker | undefined = undefined;
  const healthAddress = config.worker.healthAddress;
  const health =
    healthAddress === undefined
      ? undefined
      : await step(`cannot serve health probes at WORKER_HEALTH_ADDRESS=${healthAddress}`, () =>
          startWorkerHealthServer({ address: healthAddress, workerState: () => worker?.getState() ?? 'STARTING' }),
        );
  const database = databaseAddress(config.databaseUrl);
  const dataSource = createDataSource({ url: config.databaseUrl, applicationName: 'sheaf-worker', poolSize: config.databasePoolSize });
  await step(`cannot connect to PostgreSQL at ${database} (DATABASE_URL)`, () => dataSource.initialize());
  await step(`the database schema at ${database} is not current`, () => assertSchemaCurrent(dataSource));
  const connection = await step(`cannot reach Temporal at TEMPORAL_ADDRESS=${config.temporal.address}`, () =>
    NativeConnection.connect({ address: config.temporal.address }),
  );
  const harvestWorker = await step(`cannot start the worker on namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue}`, () =>
    createHarvestWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH },
      // A full window of batches, and beside it the discovery that is still planning their run;
      // loadWorkerConfig made sure the pool holds a connection for each and one more.
      maxConcurrentActivityTaskExecutions: workerActivitySlots(config),
      activities: {
        dataSource,
        rcloneBinary,
        secretBox: config.encryptionKey ? SecretBox.fromBase64(config.encryptionKey, config.encryptionOldKeys) : undefined,
        ark: { mint: () => mintArk({ naan: config.ark.naan, shoulder: config.ark.shoulder }) },
        batch: { maxFiles: config.harvest.batchFiles, maxBytes: config.harvest.batchBytes },
        transfers: config.harvest.rcloneTransfers,
      },
    }),
  );
  worker = harvestWorker;
  // The SDK's runtime turns SIGINT/SIGTERM into worker.shutdown(); run() resolves once drained.
  // While draining, /ready answers 503 and /health 200.
  await step('the worker failed while running', () => harvestWorker.run());
  // Then it exits, whatever is still pending: a call to an NFS server that stopped answering is
  // left in libuv's thread pool for good (harvest/hash.ts) and would keep Node from exiting by
  // itself until the pod's grace period ends in SIGKILL. rclone processes are stopped by the
  // 'exit' listener of libs/rclone, which process.exit() runs (exitFlushed).
  const closed = await step('cannot close the connections after the drain', () =>
    cleanupWithin(CLEANUP_MS, async () => {
      await health?.close();
      await connection.close();
      await dataSource.destroy();
    }),
  );
  if (!closed) {
    process.stdout.write(
      JSON.stringify({ time: new Date().toISOString(), level: 'warn', context: 'worker', msg: `closing connections after the drain took over ${CLEANUP_MS / 1000} s; exiting all the same` }) + '\n',
    );
  }
  exitFlushed(0);
}

main().catch((err: unknown) => {
  process.stderr.write(fatalLogLine(err, secrets));
  exitFlushed(1);
});
