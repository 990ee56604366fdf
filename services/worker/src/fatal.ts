/**
 * What the worker says when it stops on an error (main.ts): one JSON line, as its other log lines
 * (runtime.ts), naming the step that failed, with the error's message, code and stack, and for an
 * AggregateError (a host name resolving to several addresses, every one refusing: its own message
 * is empty) each inner error's message and code.
 */

/** An error of one start-up step: `step` says what the worker was doing (never with a secret). */
export class WorkerStepError extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${describe(cause)}`);
    this.name = 'WorkerStepError';
  }
}

/** Runs one step; its error becomes a WorkerStepError naming the step. */
export async function step<T>(name: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new WorkerStepError(name, err);
  }
}

/**
 * Where DATABASE_URL points, as `host:port` (5432 unless it says otherwise): never the URL
 * itself, which may hold the password. A host given as a parameter (`?host=/run/postgresql`, a
 * socket folder) counts as node-postgres counts it.
 */
export function databaseAddress(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.searchParams.get('host') || parsed.hostname || 'localhost';
    return `${host}:${parsed.port || '5432'}`;
  } catch {
    return '(DATABASE_URL is no URL)';
  }
}

/**
 * What of DATABASE_URL must stay out of what is logged: the URL, its `user:password@`, and its
 * password (as written and decoded) when it is long enough to be told from ordinary words.
 */
export function secretsOf(url: string): string[] {
  const secrets = [url];
  try {
    const parsed = new URL(url);
    if (parsed.password) secrets.push(`${parsed.username}:${parsed.password}@`);
    for (const password of [parsed.password, decodeURIComponent(parsed.password), parsed.searchParams.get('password') ?? '']) {
      if (password.length >= 6) secrets.push(password);
    }
  } catch {
    // Not a URL: the whole of it is kept out.
  }
  return [...new Set(secrets)];
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

/** An error's message; an empty one (an AggregateError's) says its code and inner errors' messages. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.message) return err.message;
  const inner = err instanceof AggregateError ? err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).filter(Boolean) : [];
  const code = codeOf(err);
  return [code, inner.join('; ')].filter(Boolean).join(': ') || err.name;
}

/** The fields of one error: message, code, stack, and an AggregateError's inner errors. */
function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  return {
    message: describe(err),
    ...(codeOf(err) !== undefined && { code: codeOf(err) }),
    ...(err instanceof AggregateError && {
      errors: err.errors.map((e: unknown) => (e instanceof Error ? { message: e.message, ...(codeOf(e) !== undefined && { code: codeOf(e) }) } : { message: String(e) })),
    }),
    stack: err.stack,
  };
}

/**
 * The line the worker writes as it stops on `err`: `time`, `level` error, `context` worker,
 * `msg` (the step that failed and why), `step`, and `error` (of the step's cause: message, code,
 * stack, inner errors). Every secret given is replaced by *** wherever it occurs.
 */
export function fatalLogLine(err: unknown, secrets: readonly string[] = [], now = new Date()): string {
  const cause = err instanceof WorkerStepError ? err.cause : err;
  const fields = {
    time: now.toISOString(),
    level: 'error',
    context: 'worker',
    msg: `worker stopped: ${err instanceof WorkerStepError ? err.message : describe(err)}`,
    ...(err instanceof WorkerStepError && { step: err.step }),
    error: errorFields(cause),
  };
  let line = JSON.stringify(fields);
  for (const secret of secrets) {
    line = line.split(JSON.stringify(secret).slice(1, -1)).join('***');
  }
  return line + '\n';
}
