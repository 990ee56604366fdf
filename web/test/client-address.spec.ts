import { clientAddress } from '../src/lib/client-address';

describe("the browser's address behind trusted proxies", () => {
  it('believes no X-Forwarded-For without a trusted proxy: a browser can send its own', () => {
    expect(clientAddress('203.0.113.9', 0)).toBeUndefined();
  });

  it('takes the entry each trusted proxy added, not what the browser wrote further left', () => {
    // An ingress appended the address it saw to what the browser sent.
    expect(clientAddress('198.51.100.1, 203.0.113.9', 1)).toBe('203.0.113.9');
    // A CDN, then an ingress.
    expect(clientAddress('198.51.100.1, 203.0.113.9, 192.0.2.10', 2)).toBe('203.0.113.9');
    expect(clientAddress('2001:db8::7', 1)).toBe('2001:db8::7');
  });

  it('gives nothing when the chain is shorter than the proxies, or not an address', () => {
    expect(clientAddress('203.0.113.9', 2)).toBeUndefined();
    expect(clientAddress(null, 1)).toBeUndefined();
    expect(clientAddress('unknown', 1)).toBeUndefined();
  });
});
