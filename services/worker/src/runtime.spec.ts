import { jsonLogLine } from './runtime';

describe('jsonLogLine', () => {
  it('writes one JSON object per line: time, level, context, msg and the fields, errors with their stack', () => {
    const err = new Error('rclone exited 1');
    const line = jsonLogLine({
      level: 'WARN',
      message: 'Activity failed',
      timestampNanos: 1_765_000_000_123_456_789n,
      meta: { sdkComponent: 'activity', taskToken: 'Ci...', workflowId: 'harvest-x-1', workflowRunId: 'w1', runId: 'r1', bytes: 5n, error: err },
    });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      time: '2025-12-06T05:46:40.123Z',
      level: 'warn',
      context: 'activity',
      msg: 'Activity failed',
      workflowId: 'harvest-x-1',
      workflowRunId: 'w1',
      runId: 'r1',
      bytes: 5,
      error: { message: 'rclone exited 1', stack: err.stack },
    });
  });

  it("writes the run id of the SDK's workflow entries as workflowRunId: runId is a harvest run's alone", () => {
    const line = jsonLogLine({
      level: 'WARN',
      message: 'Workflow failed',
      timestampNanos: 0n,
      // The SDK's workflow log attributes (workflowLogAttributes in @temporalio/workflow).
      meta: { sdkComponent: 'workflow', namespace: 'default', taskQueue: 'sheaf-harvest', workflowId: 'harvest-x-1', runId: 'temporal-run', workflowType: 'harvest' },
    });
    expect(JSON.parse(line)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'warn',
      context: 'workflow',
      msg: 'Workflow failed',
      namespace: 'default',
      taskQueue: 'sheaf-harvest',
      workflowId: 'harvest-x-1',
      workflowRunId: 'temporal-run',
      workflowType: 'harvest',
    });
  });

  it('names the worker as the context of an entry without a component', () => {
    expect(JSON.parse(jsonLogLine({ level: 'INFO', message: 'hello', timestampNanos: 0n }))).toEqual({ time: '1970-01-01T00:00:00.000Z', level: 'info', context: 'worker', msg: 'hello' });
  });
});
