import { isIP } from 'node:net';

/**
 * The browser's address, from the X-Forwarded-For the portal received, when `hops` proxies the
 * operator trusts stand in front of it: each appends the address it saw, so the client is the
 * entry `hops` from the right; whatever lies further left the browser may have written itself.
 * With no trusted proxy (0) there is no address to believe: Next.js fills the header with the
 * peer's address only when the request has none, and a browser can send one.
 */
export function clientAddress(forwardedFor: string | null, hops: number): string | undefined {
  if (hops < 1 || !forwardedFor) return undefined;
  const chain = forwardedFor
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const address = chain[chain.length - hops];
  return address && isIP(address) ? address : undefined;
}
