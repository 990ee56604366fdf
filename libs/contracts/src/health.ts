/** What the API's and the workers' health endpoints answer. */

/** Liveness (`GET /health`): the process answers. */
export interface HealthResponse {
  status: 'ok';
}

export interface CheckResult {
  ok: boolean;
  /** Why the check failed; absent when ok. */
  error?: string;
}

/** The API's readiness (`GET /ready`): 503 unless every check is ok. */
export interface ReadinessResponse {
  status: 'ready' | 'unready';
  checks: { database: CheckResult; temporal: CheckResult };
}

/** A worker's readiness (`GET /ready` on WORKER_HEALTH_ADDRESS): 503 unless it polls its task queue. */
export interface WorkerReadinessResponse {
  status: 'ready' | 'unready';
  /** worker: polling its task queue (the SDK's state RUNNING), not starting, draining or stopped. */
  checks: { worker: CheckResult };
}
