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
import { startWorkerHealthServer } from './health';
import { installWorkerRuntime } from './runtime';
import { createHarvestWorker } from './worker';

async function main(): Promise<void> {
  // Refused when DB_POOL_SIZE is below HARVEST_BATCH_WINDOW + 2 (libs/config, workerPoolNeed).
  const config = loadWorkerConfig();
  installWorkerRuntime({ logLevel: config.logLevel, metricsAddress: config.worker.metricsAddress });
  if (!existsSync(WORKFLOW_BUNDLE_PATH)) {
    throw new Error(`workflow bundle ${WORKFLOW_BUNDLE_PATH} is missing: run 'npm run build' first`);
  }
  const rcloneBinary = requireTool('rclone', config.tools);
  // Probes are answered from here on: alive, and unready until the worker polls its task queue.
  let worker: Worker | undefined = undefined;
  const health =
    config.worker.healthAddress === undefined
      ? undefined
      : await startWorkerHealthServer({ address: config.worker.healthAddress, workerState: () => worker?.getState() ?? 'STARTING' });
  const dataSource = createDataSource({ url: config.databaseUrl, applicationName: 'sheaf-worker', poolSize: config.databasePoolSize });
  await dataSource.initialize();
  await assertSchemaCurrent(dataSource);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  worker = await createHarvestWorker({
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
  });
  // The SDK's runtime turns SIGINT/SIGTERM into worker.shutdown(); run() resolves once drained.
  // While draining, /ready answers 503 and /health 200.
  await worker.run();
  await health?.close();
  await connection.close();
  await dataSource.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`sheaf worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
