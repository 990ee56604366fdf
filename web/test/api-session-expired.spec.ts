// Next.js resolves 'server-only' itself; outside it, a plain module.
jest.mock('server-only', () => ({}), { virtual: true });
// A request with a session cookie, for a page the middleware recorded as asked for.
jest.mock('next/headers', () => ({
  cookies: async () => ({ get: () => ({ value: 'session-token' }) }),
  headers: async () => new Headers({ 'x-sheaf-requested-path': '/files?name=scan' }),
}));

import { isRedirectError } from 'next/dist/client/components/redirect-error';
import { getURLFromRedirectError } from 'next/dist/client/components/redirect';

import { load, loadFiltered } from '../src/lib/api';

/** Where a page load sends the browser instead, or undefined when it does not redirect. */
async function redirectedTo(pageLoad: Promise<unknown>): Promise<string | undefined> {
  const thrown = await pageLoad.then(
    () => undefined,
    (error: unknown) => error,
  );
  return isRedirectError(thrown) ? getURLFromRedirectError(thrown) : undefined;
}

describe('a page load whose session has ended meanwhile (the API answers 401)', () => {
  const realFetch = global.fetch;
  beforeEach(() => {
    const answer = { statusCode: 401, code: 'unauthorized', message: 'Session expired' };
    global.fetch = jest.fn(async () => new Response(JSON.stringify(answer), { status: 401, headers: { 'content-type': 'application/json' } })) as typeof fetch;
  });
  afterEach(() => {
    global.fetch = realFetch;
  });

  it.each([
    ['load', () => load('searchFiles', { query: { name: 'scan' } })],
    ['loadFiltered', () => loadFiltered('searchFiles', { query: { name: 'scan' } })],
  ])('goes, through %s, to the login page, which brings the user back to the page', async (_name, pageLoad) => {
    await expect(redirectedTo(pageLoad())).resolves.toBe(`/login?expired=1&next=${encodeURIComponent('/files?name=scan')}`);
  });
});
