import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HookError, runHooks, type HookConfigRow, type HookContext, type HookFile, type HookPhase } from './index';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}
interface Reply {
  status: number;
  body?: string;
  contentType?: string;
  /** Never answer (to test timeouts). */
  hang?: boolean;
}

const SECRET = 'whsec-test-secret';
const received: Received[] = [];
let reply: (request: Received) => Reply = () => ({ status: 204 });
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(request);
      const answer = reply(request);
      if (answer.hang) return;
      res.writeHead(answer.status, { 'Content-Type': answer.contentType ?? 'application/json' });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/sheaf?token=abc`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
  reply = () => ({ status: 204 });
});

const ctx: HookContext = {
  instrument: { id: 'inst-1', name: 'Krios' },
  runId: 'run-1',
  webhookSecret: (hookId) => (hookId === 'notify' ? SECRET : undefined),
};

function file(id: string, overrides: Partial<HookFile> = {}): HookFile {
  return { fileVersionId: id, path: `data/${id}.tif`, size: 42, mtime: '2025-01-01T00:00:00.000Z', destinationPath: `data/${id}.tif`, metadata: {}, access: { groups: [], projects: [] }, ...overrides };
}

function webhook(phase: HookPhase, config: Record<string, unknown> = {}, id = 'notify'): HookConfigRow {
  return { id, phase, kind: 'webhook', priority: 0, enabled: true, config: { url, ...config } };
}

const decisionsOf = (result: { decisions: Map<string, unknown> }) => Object.fromEntries(result.decisions);

describe('webhook hook', () => {
  it('POSTs the batch as JSON signed with HMAC-SHA256 of the exact body', async () => {
    const files = [file('a', { sha256: 'ab'.repeat(32), ark: 'ark:99999/fk4x', metadata: { sample: 'S1' } }), file('b')];
    const before = Date.now();
    const result = await runHooks('post', [webhook('post', { headers: { Authorization: 'Bearer t0k' } })], files, ctx);
    const after = Date.now();

    expect(decisionsOf(result)).toEqual({ a: { action: 'accept' }, b: { action: 'accept' } });
    expect(received).toHaveLength(1);
    const [request] = received;
    const expected = createHmac('sha256', SECRET).update(request.body).digest('hex');
    expect(request.headers['x-sheaf-signature']).toBe(`sha256=${expected}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBe('Bearer t0k');
    // The time of sending, signed with the body, so a receiver can refuse a replay.
    const timestamp = Number(request.headers['x-sheaf-timestamp']);
    expect(timestamp * 1000).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(timestamp * 1000).toBeLessThanOrEqual(after);
    const timestamped = createHmac('sha256', SECRET).update(`${request.headers['x-sheaf-timestamp'] as string}.${request.body}`).digest('hex');
    expect(request.headers['x-sheaf-timestamp-signature']).toBe(`sha256=${timestamped}`);
    expect(JSON.parse(request.body)).toEqual({
      runId: 'run-1',
      instrument: { id: 'inst-1', name: 'Krios' },
      phase: 'post',
      files: [
        { fileVersionId: 'a', path: 'data/a.tif', size: 42, mtime: '2025-01-01T00:00:00.000Z', destinationPath: 'data/a.tif', sha256: 'ab'.repeat(32), ark: 'ark:99999/fk4x', metadata: { sample: 'S1' } },
        { fileVersionId: 'b', path: 'data/b.tif', size: 42, mtime: '2025-01-01T00:00:00.000Z', destinationPath: 'data/b.tif', sha256: null, ark: null, metadata: {} },
      ],
    });
  });

  it('sends the same Idempotency-Key for the same body, and another for any other body', async () => {
    const calls: Array<[HookFile[], HookContext]> = [
      [[file('a'), file('b'), file('c')], ctx],
      // A retry of the call.
      [[file('a'), file('b'), file('c')], ctx],
      // A retry after a pre-hook skipped c on the attempt before: c is not sent again.
      [[file('a'), file('b')], ctx],
      // The same files with metadata another hook answered differently this time.
      [[file('a', { metadata: { doi: '10.1/y' } }), file('b'), file('c')], ctx],
      // The same files in another order: another body too.
      [[file('c'), file('a'), file('b')], ctx],
      // A later run that takes the same (held) files again.
      [[file('a'), file('b'), file('c')], { ...ctx, runId: 'run-2' }],
    ];
    for (const [files, context] of calls) await runHooks('post', [webhook('post')], files, context);
    // Another hook at the same receiver, given the same body.
    await runHooks('post', [webhook('post', {}, 'notify-2')], [file('a'), file('b'), file('c')], { ...ctx, webhookSecret: () => SECRET });
    const keys = received.map((request) => request.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(received[1].body).toBe(received[0].body);
    // Every other call sent another body, under a key of its own: receivers that compare a repeated key's body with the first's refuse one key for two bodies.
    expect(new Set(keys).size).toBe(keys.length - 1);
  });

  it('takes an empty answer or a word of text as no opinion, and holds the files when a page answers', async () => {
    const answers: Array<[Reply, 'accept' | 'hold']> = [
      [{ status: 204, body: '' }, 'accept'],
      [{ status: 200, contentType: 'text/plain', body: 'OK' }, 'accept'],
      // Express's res.send('OK') and Flask's return "OK" label it text/html.
      [{ status: 200, contentType: 'text/html; charset=utf-8', body: 'OK' }, 'accept'],
      // A proxy's sign-in page in front of the receiver: the pre-hook must not stop gating.
      [{ status: 200, contentType: 'text/html; charset=utf-8', body: '<html><body>Sign in</body></html>' }, 'hold'],
    ];
    for (const [answer, expected] of answers) {
      reply = () => answer;
      const result = await runHooks('pre', [webhook('pre')], [file('a')], ctx);
      expect({ answer, decision: result.decisions.get('a') }).toEqual({ answer, decision: expect.objectContaining({ action: expected }) });
    }
    reply = () => ({ status: 200, contentType: 'text/html', body: '<html>Sign in</html>' });
    const held = await runHooks('pre', [webhook('pre')], [file('a')], ctx);
    expect(held.decisions.get('a')).toEqual({ action: 'hold', reason: 'webhook answered HTTP 200 with a page (text/html), not JSON: is something else in the way?: <html>Sign in</html>' });
  });

  it.each([500, 503, 408, 429])('throws a retryable HookError on HTTP %i', async (status) => {
    reply = () => ({ status, body: '{"error":"busy"}' });
    const call = runHooks('post', [webhook('post')], [file('a')], ctx);
    await expect(call).rejects.toBeInstanceOf(HookError);
    await expect(call).rejects.toMatchObject({ hookId: 'notify', status, message: expect.stringContaining(`answered HTTP ${status}`) });
  });

  it('holds the files on the last attempt, when no retry follows, instead of throwing', async () => {
    reply = () => ({ status: 503, body: '{"error":"busy"}' });
    const result = await runHooks('pre', [webhook('pre')], [file('a'), file('b')], { ...ctx, lastAttempt: true });
    const held = { action: 'hold', reason: expect.stringMatching(/^failed on the batch's last attempt: webhook hook notify: http:\/\/127\.0\.0\.1:\d+ answered HTTP 503/) };
    expect(result.decisions).toEqual(new Map([['a', held], ['b', held]]));
  });

  it('holds every file when the receiver rejects the batch with a 4xx, quoting at most 200 characters of its answer', async () => {
    reply = () => ({ status: 400, contentType: 'text/plain', body: `bad batch ${'x'.repeat(500)}` });
    const result = await runHooks('post', [webhook('post')], [file('a'), file('b')], ctx);
    const held = { action: 'hold', reason: `webhook rejected the batch: HTTP 400: bad batch ${'x'.repeat(190)}…` };
    expect(result.decisions).toEqual(new Map([['a', held], ['b', held]]));
  });

  it('throws a HookError when the receiver does not answer in time', async () => {
    reply = () => ({ status: 200, hang: true });
    const started = Date.now();
    await expect(runHooks('post', [webhook('post', { timeoutMs: 300 })], [file('a')], ctx)).rejects.toThrow(/did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('throws a HookError when nothing listens, naming the origin but not the path or query', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const call = runHooks('post', [webhook('post', { url: `http://127.0.0.1:${port}/secret-path?token=abc` })], [file('a')], ctx);
    await expect(call).rejects.toBeInstanceOf(HookError);
    await expect(call).rejects.toThrow(`request to http://127.0.0.1:${port} failed`);
    await expect(call).rejects.not.toThrow(/secret-path|token/);
  });

  it('honours pre-phase decisions for files of the call and ignores unknown ids', async () => {
    reply = () => ({
      status: 200,
      body: JSON.stringify({
        decisions: { a: { action: 'skip', reason: 'duplicate of run 7' }, b: { action: 'hold', reason: 'needs review' }, zzz: { action: 'skip', reason: 'unknown' } },
      }),
    });
    const hooks = [{ id: 'drop-logs', phase: 'pre', kind: 'filter', priority: 0, enabled: true, config: { exclude: ['**/*.log'] } } as const, { ...webhook('pre'), priority: 1 }];
    const result = await runHooks('pre', hooks, [file('a'), file('b'), file('c'), file('d', { path: 'x.log' })], ctx);
    expect(decisionsOf(result)).toEqual({
      a: { action: 'skip', reason: 'duplicate of run 7' },
      b: { action: 'hold', reason: 'needs review' },
      c: { action: 'accept' },
      d: { action: 'skip', reason: 'matches exclude glob "**/*.log"' },
    });
    // The webhook saw only the files still accepted when its turn came.
    expect((JSON.parse(received[0].body) as { files: HookFile[] }).files.map((f) => f.fileVersionId)).toEqual(['a', 'b', 'c']);
  });

  it('merges string metadata from a post-phase answer', async () => {
    reply = () => ({ status: 200, body: JSON.stringify({ metadata: { a: { doi: '10.1/x', count: 3 }, zzz: { doi: 'ignored' } } }) });
    const result = await runHooks('post', [webhook('post')], [file('a', { metadata: { sample: 'S1' } }), file('b')], ctx);
    expect(result.files.map((f) => f.metadata)).toEqual([{ sample: 'S1', doi: '10.1/x' }, {}]);
  });

  it('holds every file when the answer claims JSON but is not', async () => {
    reply = () => ({ status: 200, body: '<html>oops</html>' });
    const result = await runHooks('pre', [webhook('pre')], [file('a')], ctx);
    expect(result.decisions.get('a')).toEqual({ action: 'hold', reason: 'webhook answer is not valid JSON: <html>oops</html>' });
  });

  it('holds every file without calling the receiver when no secret is configured', async () => {
    const result = await runHooks('post', [webhook('post', {}, 'no-secret')], [file('a'), file('b')], ctx);
    expect(decisionsOf(result)).toEqual({ a: { action: 'hold', reason: 'webhook secret missing' }, b: { action: 'hold', reason: 'webhook secret missing' } });
    expect(received).toHaveLength(0);
  });
});
