// Next.js resolves 'server-only' itself; outside it, a plain module.
jest.mock('server-only', () => ({}), { virtual: true });

import { callOperation } from '../src/lib/api-server';
import type { OperationParams } from '../src/lib/api-types';

describe('calls to the API', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
  });

  it('sends only the headers the API documents: a server action cannot pose as another address or user', async () => {
    const sent: Array<Record<string, string>> = [];
    global.fetch = jest.fn(async (_url: unknown, init?: RequestInit) => {
      sent.push(init?.headers as Record<string, string>);
      return new Response(JSON.stringify({ runId: 'r' }), { status: 201, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    // What anyone posting the server action could pass.
    const params = {
      headers: { 'Idempotency-Key': 'key-1', 'X-Forwarded-For': '203.0.113.9', authorization: 'Bearer someone-else' },
      body: { instrumentId: 'i-1' },
    } as unknown as OperationParams<'startHarvest'>;
    const result = await callOperation('startHarvest', params, 'session-token');
    expect(result.kind).toBe('ok');
    expect(sent).toEqual([{ accept: 'application/json', 'idempotency-key': 'key-1', authorization: 'Bearer session-token', 'content-type': 'application/json' }]);
  });

  describe('a call the API does not answer in time', () => {
    beforeEach(() => {
      global.fetch = jest.fn(async () => {
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      }) as typeof fetch;
    });

    it('is, for a change, no answer: it may have been saved, so reload before retrying', async () => {
      const result = await callOperation('createHook', { body: {} } as unknown as OperationParams<'createHook'>, 'session-token');
      expect(result).toEqual({ kind: 'error', error: { statusCode: 504, code: 'API_NO_ANSWER', message: expect.stringMatching(/did not answer in time.*may have been saved.*reload/) } });
    });

    it('is, for a read or a connection test, an API that cannot be reached', async () => {
      expect(await callOperation('listHooks', {}, 'session-token')).toEqual({ kind: 'unreachable' });
      expect(await callOperation('testInstrument', { path: { id: 'i-1' } }, 'session-token')).toEqual({ kind: 'unreachable' });
    });
  });

  it('is unreachable, for a change too, when the API refuses the connection: nothing was sent', async () => {
    global.fetch = jest.fn(async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    expect(await callOperation('deleteHook', { path: { id: 'h-1' } }, 'session-token')).toEqual({ kind: 'unreachable' });
  });
});
