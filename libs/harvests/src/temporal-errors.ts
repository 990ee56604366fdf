import { isGrpcServiceError, NamespaceNotFoundError, ServiceError } from '@temporalio/client';

/** No answer from Temporal: gRPC UNAVAILABLE, DEADLINE_EXCEEDED or CANCELLED, or a connection that never came up. */
export function isTemporalUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    // UNAVAILABLE, DEADLINE_EXCEEDED, and CANCELLED: the API cancels none of its calls, so a
    // cancelled one is a stream the server reset or a connection Node saw drop (grpc-js reports
    // those as "Call cancelled"): no answer, not a refusal.
    if (code === 14 || code === 4 || code === 1) return true;
    const message = e instanceof Error ? e.message : '';
    if (/failed to connect|deadline|unavailable|ECONNREFUSED|No connection established/i.test(message)) return true;
  }
  return false;
}

/**
 * Why Temporal refused a call it answered (an unregistered search attribute, permission denied,
 * an unknown namespace): the reason it gave, or undefined for anything else. The client's
 * ServiceError says only which call failed; Temporal's words are in its gRPC cause.
 */
export function temporalRefusal(err: unknown): string | undefined {
  if (err instanceof NamespaceNotFoundError) return err.message;
  const grpc = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(grpc) ? grpc.details || grpc.message : undefined;
}
