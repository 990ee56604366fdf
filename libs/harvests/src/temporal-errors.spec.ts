import { isTemporalUnreachable } from './temporal-errors';

/** What the API answers 503 (try again) for, rather than 502 (Temporal refused). */
describe('a Temporal call that got no answer', () => {
  /** A gRPC error as grpc-js makes it, wrapped as the Temporal client wraps it. */
  const grpc = (code: number, details: string) => Object.assign(new Error('Failed to call'), { cause: Object.assign(new Error(`${code} ${details}`), { code, details }) });

  it.each([
    ['UNAVAILABLE', grpc(14, 'No connection established')],
    ['DEADLINE_EXCEEDED', grpc(4, 'Deadline exceeded')],
    // A stream the server reset, or a connection Node saw drop: grpc-js says "Call cancelled".
    ['CANCELLED', grpc(1, 'Call cancelled')],
  ])('counts %s as no answer', (_name, err) => {
    expect(isTemporalUnreachable(err)).toBe(true);
  });

  it.each([
    ['PERMISSION_DENIED', grpc(7, 'Request unauthorized')],
    ['INVALID_ARGUMENT', grpc(3, 'Namespace has no search attribute SheafPhase')],
  ])('counts %s as an answer (a refusal)', (_name, err) => {
    expect(isTemporalUnreachable(err)).toBe(false);
  });
});
