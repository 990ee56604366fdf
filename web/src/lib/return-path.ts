/** The request header the middleware sets on page requests: the path (and query) asked for. */
export const REQUESTED_PATH_HEADER = 'x-sheaf-requested-path';

/**
 * A page of this portal to return to after signing in, or undefined. Only a path of this origin:
 * never '//host', '/\host' (browsers read both as another host), a scheme, control characters,
 * or the login page itself.
 */
export function returnPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined;
  if ([...value].some((c) => c < ' ' || c === '\u007f')) return undefined;
  if (value === '/' || value === '/login' || value.startsWith('/login?') || value.startsWith('/login/')) return undefined;
  return value;
}
