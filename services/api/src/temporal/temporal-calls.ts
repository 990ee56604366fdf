import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { isTemporalUnreachable, temporalRefusal, WorkflowNotStartedError } from '@sheaf/harvests';
import { DomainError } from '../common/domain-error';
import { messageOf } from '../common/error-message';
import { API_CONFIG, type ApiConfig } from '../config';

/**
 * Temporal client calls made while answering a request: bounded in time, and an unreachable
 * Temporal becomes a 503 with a clear code rather than a hanging request or a 500. Its message
 * is fixed: the gRPC error (Temporal's address, name resolution notes) goes to the log only. A
 * call Temporal refused (permission denied, an unregistered search attribute) is a 502
 * `temporal_refused` with Temporal's reason. A harvest whose workflow did not start names its
 * run (recorded, and closed as failed) in either answer.
 */
@Injectable()
export class TemporalCalls {
  private readonly logger = new Logger('temporal');

  constructor(
    @Inject(Client) readonly client: Client,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** `timeoutMs` defaults to TEMPORAL_CALL_TIMEOUT_MS; never longer than it. */
  run<T>(what: string, call: (client: Client) => Promise<T>, timeoutMs?: number): Promise<T> {
    return this.around(what, () => this.bounded(() => call(this.client), timeoutMs));
  }

  /**
   * Work of the API's own that makes a Temporal call (a transaction that records the run, then
   * the workflow's start): only what it hands to `bounded` has the deadline, which starts when
   * that is called, so the time the work spends before (waiting for a row another request holds)
   * does not use up the call's. What the work throws is answered as `run` answers it.
   */
  async around<T>(what: string, work: (bounded: <U>(call: () => Promise<U>) => Promise<U>) => Promise<T>): Promise<T> {
    try {
      return await work((call) => this.bounded(call));
    } catch (err) {
      // The API's own answer from within the call (the start's re-check of the instrument): its
      // message may say anything, even "unavailable", and is not Temporal's.
      if (err instanceof DomainError) throw err;
      const runId = err instanceof WorkflowNotStartedError ? err.runId : undefined;
      const cause = err instanceof WorkflowNotStartedError ? err.cause : err;
      if (isTemporalUnreachable(cause)) {
        this.logger.warn(`Temporal is unreachable (${what}): ${messageOf(cause)}`);
        throw new DomainError('unavailable', 'temporal_unavailable', `Temporal is unreachable (${what}); try again shortly`, undefined, { retryAfterSeconds: 10, runId });
      }
      const refusal = temporalRefusal(cause);
      if (refusal !== undefined) {
        this.logger.warn(`Temporal refused ${what}: ${refusal}`);
        throw new DomainError('refused_upstream', 'temporal_refused', `Temporal refused the request (${what}): ${refusal}`, undefined, { runId });
      }
      throw err;
    }
  }

  /** `call` with a deadline of `timeoutMs` (TEMPORAL_CALL_TIMEOUT_MS at most) from now. */
  private bounded<T>(call: () => Promise<T>, timeoutMs?: number): Promise<T> {
    const budget = Math.min(timeoutMs ?? this.config.temporalCallTimeoutMs, this.config.temporalCallTimeoutMs);
    return this.client.withDeadline(Date.now() + budget, call);
  }
}
