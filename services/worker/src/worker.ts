import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { hostname } from 'node:os';
import { createHarvestActivities, type HarvestActivityDeps } from './activities/harvest.activities';

export interface HarvestWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Prebuilt bundle in production; tests may pass their own. */
  workflowBundle: WorkerOptions['workflowBundle'];
  activities: Omit<HarvestActivityDeps, 'identity'>;
  /** A few batch activities per worker at a time; more workers for more throughput. */
  maxConcurrentActivityTaskExecutions?: number;
  identity?: string;
}

/** The worker composes: it registers the workflows and the activities built from their deps. */
export function createHarvestWorker(options: HarvestWorkerOptions): Promise<Worker> {
  const identity = options.identity ?? `${process.pid}@${hostname()}`;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createHarvestActivities({ ...options.activities, identity }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 4,
    identity,
    // SIGTERM drains: running activities get this long to finish before they are cancelled.
    shutdownGraceTime: '30 seconds',
    // A batch learns that its run was cancelled from the answer to a heartbeat. By default
    // heartbeats go out at most every 60 s (0.8 × the 2-minute heartbeat timeout, capped at
    // 60 s), so a cancelled copy ran on for up to a minute; rclone reports every 2 s.
    maxHeartbeatThrottleInterval: '2 seconds',
  });
}
