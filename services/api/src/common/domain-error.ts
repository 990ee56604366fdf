export type DomainErrorKind =
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'invalid'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'refused_upstream';

/**
 * Errors services throw; the exception filter maps them to HTTP. Services never import HTTP
 * exceptions.
 */
export class DomainError extends Error {
  /** For `rate_limited` and `unavailable`: when to try again (the Retry-After header). */
  readonly retryAfterSeconds?: number;
  /** The harvest run the error is about, when there is one (the answer's `runId`). */
  readonly runId?: string;

  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly field?: string,
    about: { retryAfterSeconds?: number; runId?: string } = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.retryAfterSeconds = about.retryAfterSeconds;
    this.runId = about.runId;
  }
}

/** 409: the instrument has a harvest running, named when known, so a client can follow it instead. */
export class HarvestRunningError extends DomainError {
  constructor(message: string, runId?: string) {
    super('conflict', 'harvest_running', message, undefined, { runId });
  }
}

/** The usual 404: the same answer for "does not exist" and "exists but is not yours to see". */
export function notFound(what: string, field?: string): DomainError {
  return new DomainError('not_found', 'not_found', `${what} not found`, field);
}

export function invalid(field: string, message: string, code = 'validation_failed'): DomainError {
  return new DomainError('invalid', code, message, field);
}
