/** What the API's and the workers' health endpoints answer, and the check behind readiness. */

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

/** A worker's readiness (`GET /ready` on WORKER_HEALTH_ADDRESS): 503 unless every check is ok. */
export interface WorkerReadinessResponse {
  status: 'ready' | 'unready';
  /** worker: polling its task queue (the SDK's state RUNNING), not starting, draining or stopped. */
  checks: { worker: CheckResult; database: CheckResult; temporal: CheckResult };
}

/**
 * Runs one readiness probe, waiting at most `timeoutMs`: a dependency that hangs is as unready as
 * one that refuses, and a health endpoint must answer before its caller's own timeout.
 */
export async function checkWithin(timeoutMs: number, probe: () => Promise<unknown>): Promise<CheckResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
