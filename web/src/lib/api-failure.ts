import type { ApiError } from '@sheaf/contracts';

/** What an error page or alert shows of a failed call: what the API answered, nothing more. */
export type ShownApiError = Pick<ApiError, 'statusCode' | 'code' | 'message'>;

/** Marks a digest that carries the API's answer (see ApiLoadError). */
const DIGEST_PREFIX = 'api:';

/** The digest of a page load the API refused or did not answer: its status, code and message. */
export function apiErrorDigest({ statusCode, code, message }: ShownApiError): string {
  return DIGEST_PREFIX + JSON.stringify({ statusCode, code, message });
}

/** The API's answer a digest carries; undefined for any other digest (Next.js's own hash). */
export function apiErrorOfDigest(digest: string | undefined): ShownApiError | undefined {
  if (!digest?.startsWith(DIGEST_PREFIX)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(digest.slice(DIGEST_PREFIX.length));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { statusCode, code, message } = value as Record<string, unknown>;
  if (typeof statusCode !== 'number' || typeof code !== 'string' || typeof message !== 'string') return undefined;
  return { statusCode, code, message };
}

/**
 * A page load's failure, thrown to the error boundary. In production Next.js replaces a server
 * error's message before it reaches the browser, but keeps a digest the error already has
 * (app-render/create-error-handler): so the digest carries what the API answered.
 */
export class ApiLoadError extends Error {
  readonly digest: string;

  constructor(error: ShownApiError) {
    super(`${error.statusCode} ${error.code}: ${error.message}`);
    this.name = 'ApiLoadError';
    this.digest = apiErrorDigest(error);
  }
}

/** The small print under an API error's message: "HTTP 409 · harvest_running". */
export function apiErrorCaption({ statusCode, code }: Pick<ApiError, 'statusCode' | 'code'>): string {
  // 0: the portal's own server action or route could not be reached; there is no HTTP answer.
  return statusCode > 0 ? `HTTP ${statusCode} · ${code}` : code;
}
