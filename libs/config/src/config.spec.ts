import { randomBytes } from 'node:crypto';
import { ConfigError, loadApiConfig, loadServerConfig, loadWorkerConfig, workerActivitySlots, workerPoolNeed } from './config';

const base = { DATABASE_URL: 'postgres://sheaf:pw@localhost:5432/sheaf' };

function problemsOf(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadServerConfig', () => {
  it('applies development defaults', () => {
    const config = loadServerConfig(base);
    expect(config.temporal).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: 'harvest',
      uiUrl: 'http://localhost:8233',
    });
    expect(config.ark).toEqual({ naan: '99999', shoulder: 'fk4' });
  });

  it('names a missing DATABASE_URL', () => {
    expect(problemsOf(() => loadServerConfig({}))).toEqual([
      { variable: 'DATABASE_URL', message: expect.stringContaining('is required') },
    ]);
  });

  it('names every malformed variable, not only the first', () => {
    const problems = problemsOf(() =>
      loadServerConfig({ DATABASE_URL: 'mysql://x@y/z', TEMPORAL_ADDRESS: 'nohost', ARK_NAAN: '12' }),
    );
    expect(problems.map((p) => p.variable).sort()).toEqual(['ARK_NAAN', 'DATABASE_URL', 'TEMPORAL_ADDRESS']);
    expect(String(new ConfigError(problems).message)).toContain('TEMPORAL_ADDRESS: must be host:port');
  });

  it('refuses the development ARK defaults in production', () => {
    expect(problemsOf(() => loadServerConfig({ ...base, SHEAF_ENV: 'production' })).map((p) => p.variable)).toEqual([
      'ARK_NAAN',
      'ARK_SHOULDER',
      'SHEAF_ENCRYPTION_KEY',
    ]);
  });

  it('refuses an ARK shoulder the minting would refuse: letters outside betanumeric, or too long for the check character', () => {
    expect(problemsOf(() => loadServerConfig({ ...base, ARK_SHOULDER: 'u4' }))).toEqual([{ variable: 'ARK_SHOULDER', message: expect.stringContaining('shoulder must be betanumeric') }]);
    expect(problemsOf(() => loadServerConfig({ ...base, ARK_NAAN: '12345', ARK_SHOULDER: 'bcdfghjkmnpqrstv4' }))).toEqual([
      { variable: 'ARK_SHOULDER', message: expect.stringContaining('use a shorter shoulder') },
    ]);
    expect(loadServerConfig({ ...base, ARK_NAAN: '12345', ARK_SHOULDER: 'x7' }).ark).toEqual({ naan: '12345', shoulder: 'x7' });
  });

  it('accepts only a 32-byte base64 encryption key', () => {
    expect(problemsOf(() => loadServerConfig({ ...base, SHEAF_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }))).toEqual([
      { variable: 'SHEAF_ENCRYPTION_KEY', message: expect.stringContaining('32 random bytes') },
    ]);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadServerConfig({ ...base, SHEAF_ENCRYPTION_KEY: key }).encryptionKey).toBe(key);
  });

  it('serves worker metrics only where asked, at a valid host:port', () => {
    expect(loadServerConfig(base).worker.metricsAddress).toBeUndefined();
    expect(loadServerConfig({ ...base, WORKER_METRICS_ADDRESS: '0.0.0.0:9464' }).worker.metricsAddress).toBe('0.0.0.0:9464');
    expect(problemsOf(() => loadServerConfig({ ...base, WORKER_METRICS_ADDRESS: '9464' }))).toEqual([
      { variable: 'WORKER_METRICS_ADDRESS', message: 'must be host:port (an IPv6 host in brackets: [::]:port), the port from 1 to 65535 (e.g. 0.0.0.0:9464)' },
    ]);
    expect(problemsOf(() => loadServerConfig({ ...base, WORKER_METRICS_ADDRESS: '0.0.0.0:70000' }))).toEqual([
      { variable: 'WORKER_METRICS_ADDRESS', message: 'must be host:port (an IPv6 host in brackets: [::]:port), the port from 1 to 65535 (e.g. 0.0.0.0:9464)' },
    ]);
  });

  it('answers worker health probes only where asked, at a valid host:port', () => {
    expect(loadServerConfig(base).worker.healthAddress).toBeUndefined();
    expect(loadServerConfig({ ...base, WORKER_HEALTH_ADDRESS: '0.0.0.0:9465' }).worker.healthAddress).toBe('0.0.0.0:9465');
    expect(loadServerConfig({ ...base, WORKER_HEALTH_ADDRESS: '[::]:9465' }).worker.healthAddress).toBe('[::]:9465');
    for (const bad of ['::1:9465', '[::1]', '[::1]:0', '[not v6]:9465']) {
      expect(problemsOf(() => loadServerConfig({ ...base, WORKER_HEALTH_ADDRESS: bad }))).toEqual([
        { variable: 'WORKER_HEALTH_ADDRESS', message: expect.stringContaining('must be host:port') },
      ]);
    }
    expect(problemsOf(() => loadServerConfig({ ...base, WORKER_HEALTH_ADDRESS: 'localhost' }))).toEqual([
      { variable: 'WORKER_HEALTH_ADDRESS', message: 'must be host:port (an IPv6 host in brackets: [::]:port), the port from 1 to 65535 (e.g. 0.0.0.0:9465)' },
    ]);
  });

  it('sizes the PostgreSQL pool from DB_POOL_SIZE, 10 by default, and names a value that is not a positive whole number', () => {
    expect(loadServerConfig(base).databasePoolSize).toBe(10);
    expect(loadServerConfig({ ...base, DB_POOL_SIZE: '' }).databasePoolSize).toBe(10);
    expect(loadServerConfig({ ...base, DB_POOL_SIZE: '6' }).databasePoolSize).toBe(6);
    expect(loadApiConfig({ ...base, JWT_SECRET: 'x'.repeat(32), DB_POOL_SIZE: '8' }).databasePoolSize).toBe(8);
    for (const bad of ['0', '-1', '2.5', 'ten', '1e3', '1001']) {
      expect(problemsOf(() => loadServerConfig({ ...base, DB_POOL_SIZE: bad }))).toEqual([
        { variable: 'DB_POOL_SIZE', message: expect.stringContaining('must be a whole number from 1 to 1000') },
      ]);
    }
  });

  it('reads the keys an encryption key replaced, each checked, and only beside a current key', () => {
    const key = () => randomBytes(32).toString('base64');
    const [current, older, oldest] = [key(), key(), key()];
    expect(loadServerConfig(base).encryptionOldKeys).toEqual([]);
    expect(loadServerConfig({ ...base, SHEAF_ENCRYPTION_KEY: current, SHEAF_ENCRYPTION_OLD_KEYS: ` ${older}, ${oldest} ` }).encryptionOldKeys).toEqual([older, oldest]);
    expect(problemsOf(() => loadServerConfig({ ...base, SHEAF_ENCRYPTION_KEY: current, SHEAF_ENCRYPTION_OLD_KEYS: `${older},short` }))).toEqual([
      { variable: 'SHEAF_ENCRYPTION_OLD_KEYS', message: expect.stringContaining('32 bytes') },
    ]);
    expect(problemsOf(() => loadServerConfig({ ...base, SHEAF_ENCRYPTION_OLD_KEYS: older }))).toEqual([
      { variable: 'SHEAF_ENCRYPTION_OLD_KEYS', message: expect.stringContaining('needs SHEAF_ENCRYPTION_KEY') },
    ]);
  });

  it('treats empty strings as unset', () => {
    expect(loadServerConfig({ ...base, TEMPORAL_ADDRESS: '' }).temporal.address).toBe('localhost:7233');
  });
});

describe('loadApiConfig', () => {
  it('requires a JWT secret of at least 32 characters', () => {
    expect(problemsOf(() => loadApiConfig({ ...base, JWT_SECRET: 'short' }))).toEqual([
      { variable: 'JWT_SECRET', message: 'must be at least 32 characters' },
    ]);
  });

  it('rejects a port out of range by name', () => {
    const problems = problemsOf(() => loadApiConfig({ ...base, JWT_SECRET: 'x'.repeat(32), API_PORT: '70000' }));
    expect(problems.map((p) => p.variable)).toEqual(['API_PORT']);
  });

  it('trusts the X-Forwarded-For of loopback peers by default, and of the named ranges when asked', () => {
    const api = (TRUST_PROXY?: string) => loadApiConfig({ ...base, JWT_SECRET: 'x'.repeat(32), ...(TRUST_PROXY === undefined ? {} : { TRUST_PROXY }) });
    expect(api().api.trustProxy).toBe('loopback');
    for (const ok of ['uniquelocal', 'loopback, 10.0.0.0/8', '192.0.2.7', 'fd00::/8,::1']) expect(api(ok).api.trustProxy).toBe(ok);
    for (const bad of ['proxy.lab', '10.0.0.0/33', 'true', '*', '10.0.0.0/8/1']) {
      expect(problemsOf(() => api(bad)).map((p) => p.variable)).toEqual(['TRUST_PROXY']);
    }
  });
});

describe('loadWorkerConfig', () => {
  it('takes a pool of HARVEST_BATCH_WINDOW + 2 connections or more: the default pool of 10 fits the default window of 4', () => {
    expect(loadWorkerConfig(base).databasePoolSize).toBe(10);
    expect(workerActivitySlots(loadWorkerConfig(base))).toBe(5);
    // k8s/overlays/production: DB_POOL_SIZE 6 with the window of 4.
    expect(loadWorkerConfig({ ...base, DB_POOL_SIZE: '6', HARVEST_BATCH_WINDOW: '4' }).harvest.window).toBe(4);
    expect(loadWorkerConfig({ ...base, HARVEST_BATCH_WINDOW: '8' }).harvest.window).toBe(8);
    expect(workerPoolNeed(loadWorkerConfig({ ...base, HARVEST_BATCH_WINDOW: '8' }))).toBe(10);
  });

  it('refuses a DB_POOL_SIZE below HARVEST_BATCH_WINDOW + 2, naming both', () => {
    for (const [pool, window] of [['6', '8'], ['5', '4'], ['10', '9'], ['1', '1']]) {
      const problems = problemsOf(() => loadWorkerConfig({ ...base, DB_POOL_SIZE: pool, HARVEST_BATCH_WINDOW: window }));
      expect(problems).toEqual([{ variable: 'DB_POOL_SIZE', message: expect.stringContaining(`is ${pool}, fewer than this worker needs: HARVEST_BATCH_WINDOW (${window}) + 2 = ${Number(window) + 2}`) }]);
      expect(problems[0].message).toContain(`raise DB_POOL_SIZE to at least ${Number(window) + 2} or lower HARVEST_BATCH_WINDOW`);
    }
    // The API's and the tools' configuration does not depend on a worker's window.
    expect(loadServerConfig({ ...base, DB_POOL_SIZE: '3', HARVEST_BATCH_WINDOW: '8' }).databasePoolSize).toBe(3);
  });
});
