// Next.js resolves 'server-only' itself; outside it, a plain module.
jest.mock('server-only', () => ({}), { virtual: true });
// A signed-in request: the session cookie is there.
jest.mock('next/headers', () => ({
  cookies: async () => ({ get: () => ({ value: 'session-token' }) }),
  headers: async () => new Headers(),
}));

import { createFlightReactServerErrorHandler } from 'next/dist/server/app-render/create-error-handler';

import { load } from '../src/lib/api';
import { apiErrorOfDigest } from '../src/lib/api-failure';

/** The digest Next.js gives a server component's error: what the browser's error boundary gets instead of the message. */
function digestOf(thrown: unknown): string | undefined {
  return createFlightReactServerErrorHandler(false, () => undefined)(thrown) as string | undefined;
}

/** What a failed `load` leaves the error page to show. */
async function shownOnErrorPage(): Promise<unknown> {
  const thrown = await load('listHarvests', { query: { status: 'failed' } }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(Error);
  return apiErrorOfDigest(digestOf(thrown));
}

describe('a page load that fails reaches the error page with what the API answered', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
  });

  it("carries the API's status, code and message in the digest, which Next.js keeps", async () => {
    const answer = { statusCode: 503, code: 'temporal_unavailable', message: 'Temporal is not answering' };
    global.fetch = jest.fn(async () => new Response(JSON.stringify(answer), { status: 503, headers: { 'content-type': 'application/json' } })) as typeof fetch;
    await expect(shownOnErrorPage()).resolves.toEqual(answer);
  });

  it('says the API cannot be reached when it does not answer', async () => {
    global.fetch = jest.fn(async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(shownOnErrorPage()).resolves.toEqual({ statusCode: 502, code: 'API_UNREACHABLE', message: expect.stringContaining('cannot be reached') });
  });

  it('leaves digests of other errors alone: they are no API answer', () => {
    expect(apiErrorOfDigest(digestOf(new Error('boom')))).toBeUndefined();
    expect(apiErrorOfDigest('api:{"statusCode":"500"}')).toBeUndefined();
    expect(apiErrorOfDigest(undefined)).toBeUndefined();
  });
});
