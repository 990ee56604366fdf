import { createHash, createHmac } from 'node:crypto';
import { HookError } from './errors';
import { applyAnswer, excerpt, holdAll, MAX_ANSWER_BYTES, parseAnswer, requestBody, type BatchOutcome } from './external';
import { WEBHOOK_TIMEOUT_MS, type WebhookHookConfig } from './schemas';
import type { HookConfigRow, HookContext, HookFile, HookPhase } from './types';

/**
 * A digest of the hook and the exact body: a call made again with the same body (a retry) has the
 * same key, and no other body ever has it, so a receiver that checks a repeated key's body
 * against the first accepts the retry. The run, the files, their order and what Sheaf knows of
 * them (metadata, destination) are all in the body: a retry that sends fewer files (a pre-hook
 * skipped some on the attempt before, and they are not sent again) or other metadata (another
 * hook answered differently) is another request under another key, and so is a later run's call
 * for the same files.
 */
export function webhookIdempotencyKey(hookId: string, body: string): string {
  return createHash('sha256').update(hookId).update('\0').update(body).digest('hex');
}

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes, as sent in `X-Sheaf-Signature`. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * `sha256=<hex>`: HMAC-SHA256 of `<timestamp>.<body>`, as sent in `X-Sheaf-Timestamp-Signature`
 * beside `X-Sheaf-Timestamp` (Unix seconds): a receiver that checks it and refuses old timestamps
 * refuses a recorded request played back later. The time is a header, not in the body, so a
 * retry's body stays the same under its Idempotency-Key.
 */
export function webhookTimestampSignature(secret: string, timestamp: string, body: string): string {
  return webhookSignature(secret, `${timestamp}.${body}`);
}

/** Reads at most `max` bytes of a body; `tooLarge` when there was more. */
async function readBody(response: Response, max: number): Promise<{ text: string; tooLarge: boolean }> {
  if (!response.body) return { text: '', tooLarge: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: true };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: false };
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, ...) in `cause`.
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

const isJson = (contentType: string | null) => /^application\/([\w.+-]+\+)?json\b/i.test(contentType ?? '');

/**
 * POSTs the batch to the receiver. Returns the receiver's verdicts; holds every file when the
 * receiver rejects the batch (3xx, 4xx other than 408/429) or no secret is configured; throws a
 * HookError for what a retry may fix (timeout, network, 408, 429, 5xx).
 */
export async function callWebhook(hook: HookConfigRow, config: WebhookHookConfig, phase: HookPhase, files: HookFile[], ctx: HookContext): Promise<BatchOutcome> {
  const secret = ctx.webhookSecret?.(hook.id);
  if (!secret) return holdAll(files, 'webhook secret missing');
  const body = requestBody(phase, files, ctx);
  const headers = new Headers(config.headers);
  if (!headers.has('user-agent')) headers.set('User-Agent', 'sheaf-hooks');
  headers.set('Content-Type', 'application/json');
  headers.set('X-Sheaf-Signature', webhookSignature(secret, body));
  const timestamp = String(Math.floor(Date.now() / 1000));
  headers.set('X-Sheaf-Timestamp', timestamp);
  headers.set('X-Sheaf-Timestamp-Signature', webhookTimestampSignature(secret, timestamp, body));
  headers.set('Idempotency-Key', webhookIdempotencyKey(hook.id, body));
  // Paths and query strings may carry tokens: messages name the origin only.
  const origin = new URL(config.url).origin;
  const timeoutMs = config.timeoutMs ?? WEBHOOK_TIMEOUT_MS.default;

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const cancel = () => controller.abort();
  ctx.signal?.addEventListener('abort', cancel, { once: true });
  let status: number;
  let answer: { text: string; tooLarge: boolean };
  let contentType: string | null;
  try {
    const response = await fetch(config.url, { method: 'POST', headers, body, signal: controller.signal, redirect: 'manual' });
    status = response.status;
    contentType = response.headers.get('content-type');
    answer = await readBody(response, MAX_ANSWER_BYTES);
  } catch (err) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (timedOut) throw new HookError(`webhook hook ${hook.id}: ${origin} did not answer within ${timeoutMs} ms`, hook.id, undefined, { cause: err });
    throw new HookError(`webhook hook ${hook.id}: request to ${origin} failed: ${describe(err)}`, hook.id, undefined, { cause: err });
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', cancel);
  }

  const said = answer.text.trim() === '' ? '' : `: ${excerpt(answer.text)}`;
  if (status === 408 || status === 429 || status >= 500) {
    throw new HookError(`webhook hook ${hook.id}: ${origin} answered HTTP ${status}${said}`, hook.id, status);
  }
  if (status >= 300 && status < 400) return holdAll(files, `webhook answered HTTP ${status}; redirects are not followed, configure the final URL`);
  if (status >= 400) return holdAll(files, `webhook rejected the batch: HTTP ${status}${said}`);
  if (answer.tooLarge) return holdAll(files, `webhook answer is larger than ${MAX_ANSWER_BYTES} bytes`);
  const parsed = parseAnswer(answer.text);
  const answeredObject = parsed.ok && typeof parsed.value === 'object' && parsed.value !== null;
  if (!isJson(contentType) && !answeredObject) {
    // A page (a proxy's sign-in or error page, say) is not the receiver's answer: a gate that let
    // everything through whenever something else answered would be no gate.
    if (answer.text.trimStart().startsWith('<')) {
      return holdAll(files, `webhook answered HTTP ${status} with a page (${contentType ?? 'no content type'}), not JSON: is something else in the way?${said}`);
    }
    // A receiver answering nothing, or "OK" (as text, or as text/html the way Express's
    // res.send('OK') labels it), has nothing to say about the files.
    return { files, verdicts: new Map() };
  }
  if (!parsed.ok) return holdAll(files, `webhook answer is not valid JSON${said}`);
  return applyAnswer('webhook', parsed.value, files);
}
