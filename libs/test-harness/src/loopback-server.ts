import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, waitForPort, type Service } from '@sheaf/local-infra';

/** How long a test server may take to listen, and then to answer. */
const START_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 3;
const PORT_TAKEN = /address already in use/i;

/**
 * Starts a test server on a free loopback port: `start(port, attempt)` spawns it, waits with
 * `serving`, and removes what it made when that fails. Another process can take the port between
 * freePort() and the server's bind: the server then exits with "address already in use" in its
 * output, which `serving` puts in its error, and it is started again on another port (three
 * attempts at most).
 */
export async function onFreePort<T>(start: (port: number, attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort(), attempt);
    } catch (err) {
      if (attempt < PORT_ATTEMPTS && err instanceof Error && PORT_TAKEN.test(err.message)) continue;
      throw err;
    }
  }
}

/**
 * Resolves once `service` (`what`) listens on `port` and `probe` succeeds, tried every 200 ms.
 * Fails at once with its exit code and last output (`tail`) when the server exits first, and
 * stops probing then; fails with the probe's last error and that output after 30 s.
 */
export async function serving(what: string, service: Service, port: number, tail: readonly string[], probe: () => Promise<unknown>): Promise<void> {
  const exited = service.exited.then((code) => {
    throw new Error(`${what} exited (${code}) before it was ready:\n${tail.join('\n')}`);
  });
  exited.catch(() => undefined);
  const gone = new AbortController();
  const ready = (async () => {
    await waitForPort('127.0.0.1', port, START_TIMEOUT_MS, what, gone.signal);
    for (const deadline = Date.now() + START_TIMEOUT_MS; !gone.signal.aborted; await sleep(200)) {
      const failure = await probe().then(
        () => undefined,
        (err: { stderr?: string; message?: string }) => err.stderr?.trim() || err.message || String(err),
      );
      if (failure === undefined) return;
      if (Date.now() > deadline) throw new Error(`${what} did not answer within ${START_TIMEOUT_MS / 1000} s: ${failure}\n${tail.join('\n')}`);
    }
  })();
  ready.catch(() => undefined);
  try {
    await Promise.race([ready, exited]);
  } finally {
    gone.abort();
  }
}
