import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { WORKFLOWS_ENTRY } from '../src/bundle-paths';

const HISTORIES = join(__dirname, 'histories');

/**
 * Saved histories of earlier harvests replay against today's workflow code: a change that
 * would break running workflows (non-determinism) fails here, before it is deployed. Capture
 * new ones with CAPTURE_HISTORIES=1 when the workflow changes on purpose (captureHistory in
 * history.ts: dated names, never over an older history).
 */
describe('workflow replay over saved histories', () => {
  let bundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } });
  });

  it('has saved histories to replay', async () => {
    expect((await readdir(HISTORIES)).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
  });

  it('replays every saved history without non-determinism', async () => {
    for (const file of (await readdir(HISTORIES)).filter((f) => f.endsWith('.json'))) {
      const history = JSON.parse(await readFile(join(HISTORIES, file), 'utf8'));
      await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, file)).resolves.toBeUndefined();
    }
  });
});
