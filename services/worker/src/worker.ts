import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createHarvestActivities } from './activities/harvest.activities';

export interface HarvestWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dataSource: DataSource;
  rcloneBinary: string;
  /** Prebuilt bundle in production; tests may pass their own. */
  workflowBundle: WorkerOptions['workflowBundle'];
  /** A few batch activities per worker at a time; more workers for more throughput. */
  maxConcurrentActivityTaskExecutions?: number;
}

/** The worker composes: it registers the workflows and the activities built from their deps. */
export function createHarvestWorker(options: HarvestWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createHarvestActivities({ dataSource: options.dataSource, rcloneBinary: options.rcloneBinary }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 4,
    // SIGTERM drains: running activities get this long to finish before they are cancelled.
    shutdownGraceTime: '30 seconds',
  });
}
