import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a started `rclone rcd` may take to open its socket (it takes ~80 ms here). */
const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 5;

/** An error answer of rclone's remote control: its HTTP status (404: not found) and message. */
export class RcError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(`rclone rc answered ${status}: ${error}`);
    this.name = 'RcError';
  }
}

/**
 * A client of one `rclone rcd` listening on a unix socket (in a folder only this user can open:
 * rclone does not ask for credentials on a socket). Keeps up to `connections` calls in flight.
 */
export class RcClient {
  private readonly agent: Agent;

  constructor(
    private readonly socket: string,
    connections: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /**
   * Waits until rclone listens; `exited` says whether the daemon is gone already (then it never
   * will). It connects to find out: the socket file is there from the moment rclone binds it,
   * before it listens, and a call in between is refused (ECONNREFUSED, seen once in CI).
   */
  async ready(exited: () => boolean): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const refused = await this.refusal();
      if (!refused) return;
      if (exited()) throw new Error('rclone rcd exited before it listened');
      if (Date.now() > deadline) throw new Error(`rclone rcd did not listen on ${this.socket} within ${READY_TIMEOUT_MS / 1000} s (${refused.message})`);
      await sleep(READY_POLL_MS);
    }
  }

  /** Why a connection to the socket is refused now (no file yet, no one listening), or undefined: it is accepted. */
  private refusal(): Promise<Error | undefined> {
    return new Promise((resolve) => {
      const probe = connect(this.socket);
      probe.once('connect', () => {
        probe.destroy();
        resolve(undefined);
      });
      probe.once('error', resolve);
    });
  }

  /**
   * Calls `method` (such as `operations/copyfile`); rejects with an RcError when rclone answers
   * with one. `signal` drops the request: rclone cancels what it was doing for it.
   */
  call<T>(method: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = request(
        { socketPath: this.socket, path: `/${method}`, method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json' }, signal },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('error', reject);
          res.on('end', () => {
            let answer: Record<string, unknown>;
            try {
              answer = JSON.parse(body) as Record<string, unknown>;
            } catch {
              reject(new Error(`rclone rc ${method} answered ${res.statusCode} with something that is not JSON: ${body.slice(0, 200)}`));
              return;
            }
            if (res.statusCode === 200) resolve(answer as T);
            else reject(new RcError(res.statusCode ?? 0, String(answer.error ?? body)));
          });
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(input));
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
