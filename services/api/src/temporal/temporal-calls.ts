import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { DomainError } from '../common/domain-error';
import { messageOf } from '../common/error-message';
import { API_CONFIG, type ApiConfig } from '../config';

/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED, or a connection that never came up. */
export function isTemporalUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 14 || code === 4) return true;
    const message = e instanceof Error ? e.message : '';
    if (/failed to connect|deadline|unavailable|ECONNREFUSED|No connection established/i.test(message)) return true;
  }
  return false;
}

/**
 * Temporal client calls made while answering a request: bounded in time, and an unreachable
 * Temporal becomes a 503 with a clear code rather than a hanging request or a 500. Its message
 * is fixed: the gRPC error (Temporal's address, name resolution notes) goes to the log only.
 */
@Injectable()
export class TemporalCalls {
  private readonly logger = new Logger('temporal');

  constructor(
    @Inject(Client) readonly client: Client,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** `timeoutMs` defaults to TEMPORAL_CALL_TIMEOUT_MS; never longer than it. */
  async run<T>(what: string, call: (client: Client) => Promise<T>, timeoutMs?: number): Promise<T> {
    const budget = Math.min(timeoutMs ?? this.config.temporalCallTimeoutMs, this.config.temporalCallTimeoutMs);
    try {
      return await this.client.withDeadline(Date.now() + budget, () => call(this.client));
    } catch (err) {
      if (isTemporalUnreachable(err)) {
        this.logger.warn(`Temporal is unreachable (${what}): ${messageOf(err)}`);
        throw new DomainError('unavailable', 'temporal_unavailable', `Temporal is unreachable (${what}); try again shortly`, undefined, 10);
      }
      throw err;
    }
  }
}
