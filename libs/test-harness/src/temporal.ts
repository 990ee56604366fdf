import { defineSearchAttributeKey, type SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SEARCH_ATTRIBUTE_TYPES } from '@sheaf/contracts';
import { requireTool } from '@sheaf/toolchain';

/** The installed Temporal CLI; a missing one fails the test with what to install. */
export function temporalCliPath(): string {
  return requireTool('temporal', process.env);
}

/**
 * A real Temporal dev server (the installed CLI, never a download) with Sheaf's search
 * attributes registered, and any dynamic config values given (e.g. a small
 * `limit.historyCount.suggestContinueAsNew`). One per spec file; call `teardown()` after.
 */
export async function createTemporalTestEnv(dynamicConfig: Record<string, number | string | boolean> = {}): Promise<TestWorkflowEnvironment> {
  // Workers log every state change at INFO; tests show warnings and errors only.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const searchAttributes = Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([name, type]) =>
    defineSearchAttributeKey(name, type.toUpperCase() as SearchAttributeType),
  );
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes,
      ip: '127.0.0.1',
      extraArgs: Object.entries(dynamicConfig).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
    },
  });
}
