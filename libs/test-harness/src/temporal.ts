import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type NativeConnection } from '@temporalio/worker';
import { startTemporalDevServer } from '@sheaf/local-infra';
import { requireTool } from '@sheaf/toolchain';

/** The installed Temporal CLI; a missing one fails the test with what to install. */
export function temporalCliPath(): string {
  return requireTool('temporal', process.env);
}

/** A test's Temporal: a client and a connection for workers, to a dev server of its own. */
export interface TemporalTestEnv {
  readonly address: string;
  readonly namespace: string;
  readonly client: TestWorkflowEnvironment['client'];
  readonly nativeConnection: NativeConnection;
  /** Closes the connections and stops the server. */
  teardown(): Promise<void>;
}

/**
 * A real Temporal dev server (the installed CLI, never a download), headless, history in memory,
 * with Sheaf's search attributes registered and any dynamic config values given (e.g. a small
 * `limit.historyCount.suggestContinueAsNew`). One per spec file; call `teardown()` after.
 *
 * Started by startTemporalDevServer, not the SDK's `TestWorkflowEnvironment.createLocal`: that
 * one picks a free port long before the server binds it, and when another suite's server takes
 * the port meanwhile, its server exits and `createLocal` waits forever.
 */
export async function createTemporalTestEnv(dynamicConfig: Record<string, number | string | boolean> = {}): Promise<TemporalTestEnv> {
  // Workers log every state change at INFO; tests show warnings and errors only.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const namespace = 'default';
  // The server's output is in the error of a start that fails, and its last lines in the report
  // of one that exits while its tests still run: every later call then fails with no more than
  // "connection refused", and only its output can say why it went.
  const server = await startTemporalDevServer({ binary: temporalCliPath(), namespace, headless: true, dynamicConfig });
  let stopping = false;
  void server.service.exited.then((code) => {
    if (!stopping) process.stderr.write(`the suite's Temporal dev server (${server.address}) exited (${code}) while its tests ran; its last output:\n${server.output.join('\n')}\n`);
  });
  try {
    const env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address, namespace });
    return {
      address: server.address,
      namespace,
      client: env.client,
      nativeConnection: env.nativeConnection,
      async teardown() {
        stopping = true;
        try {
          await env.teardown();
        } finally {
          await server.stop();
        }
      },
    };
  } catch (err) {
    stopping = true;
    await server.stop();
    throw err;
  }
}
