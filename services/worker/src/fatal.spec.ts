import { databaseAddress, fatalLogLine, secretsOf, step, WorkerStepError } from './fatal';

/** What net.connect rejects with when a host name's every address refuses: no message of its own. */
function refusedEverywhere(port: number): AggregateError {
  const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), { code: 'ECONNREFUSED', address, port });
  return Object.assign(new AggregateError([refused('::1'), refused('127.0.0.1')]), { code: 'ECONNREFUSED' });
}

const NOW = new Date('2026-12-07T12:00:00.000Z');

describe('the line a worker writes as it stops on an error', () => {
  it('is one JSON line naming the step, with the error message, code, stack and an AggregateError inner messages', async () => {
    const url = 'postgres://sheaf:s3cret-pass@localhost:1/sheaf';
    const err = await step(`cannot connect to PostgreSQL at ${databaseAddress(url)} (DATABASE_URL)`, () => Promise.reject(refusedEverywhere(1))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerStepError);
    const line = fatalLogLine(err, secretsOf(url), NOW);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toContain('\n');
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toEqual({
      time: '2026-12-07T12:00:00.000Z',
      level: 'error',
      context: 'worker',
      msg: 'worker stopped: cannot connect to PostgreSQL at localhost:1 (DATABASE_URL): ECONNREFUSED: connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1',
      step: 'cannot connect to PostgreSQL at localhost:1 (DATABASE_URL)',
      error: {
        message: 'ECONNREFUSED: connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1',
        code: 'ECONNREFUSED',
        errors: [
          { message: 'connect ECONNREFUSED ::1:1', code: 'ECONNREFUSED' },
          { message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' },
        ],
        stack: expect.stringContaining('AggregateError'),
      },
    });
  });

  it('never shows DATABASE_URL or its password, whatever an error quotes of it', () => {
    const url = 'postgres://sheaf:s3cret%2Fpass@db.lab:6432/sheaf?sslmode=require';
    const err = new WorkerStepError(`cannot connect to PostgreSQL at ${databaseAddress(url)} (DATABASE_URL)`, new Error(`bad url ${url}; password s3cret/pass; as written s3cret%2Fpass`));
    const line = fatalLogLine(err, secretsOf(url), NOW);
    expect(line).toContain('db.lab:6432');
    expect(line).not.toContain('s3cret');
    expect(line).not.toContain('sheaf:');
    expect(JSON.parse(line)).toMatchObject({ error: { message: 'bad url ***; password ***; as written ***' } });
  });

  it('says where DATABASE_URL points: host and port, 5432 by default, a socket folder given as a parameter', () => {
    expect(databaseAddress('postgres://u:p@localhost:1/x')).toBe('localhost:1');
    expect(databaseAddress('postgresql://u@db.example.org/sheaf')).toBe('db.example.org:5432');
    expect(databaseAddress('postgres://u@localhost/sheaf?host=/run/postgresql')).toBe('/run/postgresql:5432');
    expect(databaseAddress('postgres://u:p@[::1]:5433/x')).toBe('[::1]:5433');
  });

  it('writes an error of no step, or no Error at all, the same way', () => {
    const plain = JSON.parse(fatalLogLine(Object.assign(new Error('workflow bundle missing'), { code: 'ENOENT' }), [], NOW)) as Record<string, unknown>;
    expect(plain).toMatchObject({ level: 'error', msg: 'worker stopped: workflow bundle missing', error: { message: 'workflow bundle missing', code: 'ENOENT', stack: expect.any(String) } });
    expect(plain).not.toHaveProperty('step');
    expect(JSON.parse(fatalLogLine('a string', [], NOW))).toMatchObject({ msg: 'worker stopped: a string', error: { message: 'a string' } });
  });
});
