/**
 * A transient failure of an external hook (timeout, network error, 5xx, 408, 429): the batch was
 * not judged, so the activity fails and its retry policy tries again. Rejections and broken hooks
 * hold files instead of throwing.
 */
export class HookError extends Error {
  constructor(
    message: string,
    readonly hookId: string,
    /** HTTP status of the answer, when there was one. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'HookError';
  }
}
