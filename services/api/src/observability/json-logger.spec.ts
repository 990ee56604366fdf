import { JsonLogger } from './json-logger';

describe('JsonLogger', () => {
  const capture = (level?: 'debug' | 'info' | 'warn' | 'error') => {
    const lines: string[] = [];
    return { logger: new JsonLogger(level, (line) => lines.push(line)), entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  it('writes one JSON object per line with time, level, context and the fields given', () => {
    const { logger, entries } = capture();
    logger.log({ msg: 'request', requestId: 'r1', status: 200 }, 'http');
    logger.warn('schedule re-sync failed', 'schedules');
    expect(entries()).toEqual([
      { time: expect.any(String), level: 'info', context: 'http', msg: 'request', requestId: 'r1', status: 200 },
      { time: expect.any(String), level: 'warn', context: 'schedules', msg: 'schedule re-sync failed' },
    ]);
  });

  it("keeps Nest's error(message, stack, context) form and drops levels below the threshold", () => {
    const { logger, entries } = capture('warn');
    logger.log('ignored', 'x');
    logger.error('boom', 'Error: boom\n    at here', 'ExceptionsHandler');
    expect(entries()).toEqual([{ time: expect.any(String), level: 'error', context: 'ExceptionsHandler', msg: 'boom: Error: boom\n    at here' }]);
  });
});
