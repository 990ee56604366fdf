/**
 * Errors services throw; the exception filter maps them to HTTP. Services never import HTTP
 * exceptions.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: 'not_found' | 'unauthorized' | 'forbidden' | 'conflict' | 'invalid',
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
