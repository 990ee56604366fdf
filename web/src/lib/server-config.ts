import 'server-only';

/**
 * The portal's only server-side configuration, and the only place that reads the environment.
 * Nothing here reaches the browser: the portal talks to the API from the server only.
 */
const DEFAULT_API_URL = 'http://127.0.0.1:3001';

/** `raw` as a URL without trailing slashes (so callers can append `/api/...`); a bad one fails early. */
function normalizeUrl(variable: string, raw: string): string {
  try {
    return new URL(raw).toString().replace(/\/+$/, '');
  } catch {
    throw new Error(`${variable} is not a valid URL: ${JSON.stringify(raw)}`);
  }
}

function readApiUrl(): string {
  return normalizeUrl('SHEAF_API_URL', process.env.SHEAF_API_URL?.trim() || DEFAULT_API_URL);
}

/** The API as browsers reach it (for ARK resolver links); optional. */
function readPublicApiUrl(): string | undefined {
  const raw = process.env.SHEAF_PUBLIC_API_URL?.trim();
  return raw ? normalizeUrl('SHEAF_PUBLIC_API_URL', raw) : undefined;
}

/** How many proxies stand in front of the portal, each adding the address it saw to X-Forwarded-For. */
function readTrustedProxyHops(): number {
  const raw = process.env.SHEAF_TRUSTED_PROXY_HOPS?.trim() || '0';
  if (!/^\d$/.test(raw)) throw new Error(`SHEAF_TRUSTED_PROXY_HOPS must be a whole number from 0 to 9: ${JSON.stringify(raw)}`);
  return Number(raw);
}

export const serverConfig = {
  apiUrl: readApiUrl(),
  /** See clientAddress(): 0, the default, believes no X-Forwarded-For at all. */
  trustedProxyHops: readTrustedProxyHops(),
  /** Where ARK links resolve: our own resolver when the API is public, else the global one (n2t.net). */
  arkResolverBase: `${readPublicApiUrl() ?? 'https://n2t.net'}/`,
  /**
   * How long the portal waits for the API before calling it unreachable. Longer than the API's
   * statement timeout (API_STATEMENT_TIMEOUT_MS, default 8 s), so a slow query is answered 503
   * query_timeout before the portal gives up on it.
   */
  apiTimeoutMs: 10_000,
  /** Connection tests: the API gives each one up to 30 s, so the portal waits a little longer. */
  connectionTestTimeoutMs: 40_000,
} as const;
