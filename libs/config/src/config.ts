import { isIP } from 'node:net';
import { z } from 'zod';
import { InvalidArkError, mintArk } from '@sheaf/ark';
import type { ToolEnv } from '@sheaf/toolchain';

/**
 * The only place that reads the environment. Each process parses it once at start-up; a bad
 * or missing variable is an error that names it.
 */
export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyArray<{ variable: string; message: string }>) {
    super(
      'Invalid configuration:\n' + problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(1).max(65535);
/** `host:port`, an IPv6 host in brackets (`[::]:9464`), the port from 1 to 65535. */
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[^:\s[\]]+):(\d+)$/;
const hostPort = (example: string) =>
  z
    .string()
    .refine(
      (v) => port.safeParse(HOST_PORT.exec(v)?.[1]).success,
      `must be host:port (an IPv6 host in brackets: [::]:port), the port from 1 to 65535 (e.g. ${example})`,
    );

/**
 * Express's `trust proxy`: which peers' X-Forwarded-For the API believes, a comma-separated list
 * of `loopback`, `linklocal`, `uniquelocal` (private ranges), addresses and CIDR ranges.
 */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const trustProxy = z
  .string()
  .refine(
    (v) =>
      v.split(',').every((item) => {
        const [address, bits, ...rest] = item.trim().split('/');
        if (TRUST_PROXY_NAMES.has(address) && bits === undefined) return true;
        const family = isIP(address);
        return family !== 0 && rest.length === 0 && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
      }),
    'must list loopback, linklocal, uniquelocal, addresses or CIDR ranges, separated by commas (e.g. loopback,10.0.0.0/8)',
  );

/**
 * `DB_POOL_SIZE`: the connections each process's PostgreSQL pool opens at most. Every API pod and
 * every worker has its own pool, so their sum must stay under the server's max_connections.
 */
const DB_POOL_SIZE_MESSAGE = 'must be a whole number from 1 to 1000 (the connections each process opens to PostgreSQL at most; default 10)';
const dbPoolSize = z
  .string()
  .refine((v) => /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 1000, DB_POOL_SIZE_MESSAGE)
  .transform((v) => Number(v));

const serverSchema = z.object({
  SHEAF_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z
    .string({ required_error: 'is required (postgres://user:password@host:port/database)' })
    .url('must be a postgres:// URL')
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://'),
  DB_POOL_SIZE: dbPoolSize.default('10'),
  TEMPORAL_ADDRESS: hostPort('localhost:7233').default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('harvest'),
  TEMPORAL_UI_URL: z.string().url().default('http://localhost:8233'),
  ARK_NAAN: z.string().regex(/^\d{5}$/, 'must be five digits').optional(),
  // Checked in full (letters, length with the NAAN) by minting a trial ARK: see toServerConfig.
  ARK_SHOULDER: z.string().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  SHEAF_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 random bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
  /** Keys SHEAF_ENCRYPTION_KEY replaced, comma-separated: they open what they sealed until `tools/dist/reseal.js` has moved it. */
  SHEAF_ENCRYPTION_OLD_KEYS: z
    .string()
    .transform((v) => v.split(',').map((key) => key.trim()).filter(Boolean))
    .refine((keys) => keys.every((key) => Buffer.from(key, 'base64').length === 32), 'must be keys of 32 bytes, base64-encoded, separated by commas')
    .default(''),
  HARVEST_BATCH_FILES: z.coerce.number().int().min(1).max(100_000).default(1000),
  HARVEST_BATCH_BYTES: z.coerce.number().int().min(1_000_000).default(4 * 1024 ** 3),
  HARVEST_BATCH_WINDOW: z.coerce.number().int().min(1).max(64).default(4),
  RCLONE_TRANSFERS: z.coerce.number().int().min(1).max(64).default(8),
  /** Where a worker serves its Prometheus metrics (`/metrics`), e.g. 0.0.0.0:9464; none when unset. */
  WORKER_METRICS_ADDRESS: hostPort('0.0.0.0:9464').optional(),
  /** Where a worker answers health probes (`/health`, `/ready`), e.g. 0.0.0.0:9465; none when unset. */
  WORKER_HEALTH_ADDRESS: hostPort('0.0.0.0:9465').optional(),
  SHEAF_CACHE_DIR: z.string().optional(),
  SHEAF_TEMPORAL_BIN: z.string().optional(),
  SHEAF_RCLONE_BIN: z.string().optional(),
  PATH: z.string().optional(),
});

const apiSchema = serverSchema.extend({
  API_PORT: port.default(3001),
  API_HOST: z.string().default('127.0.0.1'),
  PORTAL_URL: z.string().url().default('http://localhost:3000'),
  /** Proxies whose X-Forwarded-For names the client (the portal, an ingress): login limits key on it. */
  TRUST_PROXY: trustProxy.default('loopback'),
  JWT_SECRET: z.string({ required_error: 'is required (at least 32 characters)' }).min(32, 'must be at least 32 characters'),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(8 * 3600),
  /** Failed logins allowed per email and client address within the window before 429. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(15 * 60),
  /** How long a request waits for Temporal before answering 503. */
  TEMPORAL_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /**
   * PostgreSQL's statement_timeout on the API's pool: a query longer than this is cancelled (503
   * query_timeout); 0 none. Below the portal's 10 s wait for the API (web/src/lib/server-config.ts),
   * so the portal shows query_timeout rather than giving up while the query runs on.
   */
  API_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(8000),
  /** How often schedules Temporal could not be told about are re-synced; 0 only at start-up. */
  SCHEDULE_RESYNC_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).default(60),
  /** How often runs whose workflow ended without finishing them (terminated in the Temporal UI) are closed; 0 never. */
  RUN_RECONCILE_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).default(60),
});

/** Development-only ARK defaults (`99999` is the test NAAN, `fk4` the "fake" shoulder). */
const DEV_ARK = { naan: '99999', shoulder: 'fk4' };

function parse<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  // Empty strings count as unset, as most shells and .env files mean them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })),
    );
  }
  return result.data;
}

function toServerConfig(raw: z.infer<typeof serverSchema>) {
  if (raw.SHEAF_ENCRYPTION_OLD_KEYS.length && !raw.SHEAF_ENCRYPTION_KEY) {
    throw new ConfigError([{ variable: 'SHEAF_ENCRYPTION_OLD_KEYS', message: 'needs SHEAF_ENCRYPTION_KEY, the key that replaced them' }]);
  }
  if (raw.SHEAF_ENV === 'production') {
    const problems = [];
    if (!raw.ARK_NAAN) problems.push({ variable: 'ARK_NAAN', message: 'is required in production (your registered NAAN)' });
    if (!raw.ARK_SHOULDER) problems.push({ variable: 'ARK_SHOULDER', message: 'is required in production' });
    if (!raw.SHEAF_ENCRYPTION_KEY) {
      problems.push({ variable: 'SHEAF_ENCRYPTION_KEY', message: 'is required in production (openssl rand -base64 32)' });
    }
    if (problems.length) throw new ConfigError(problems);
  }
  const ark = { naan: raw.ARK_NAAN ?? DEV_ARK.naan, shoulder: raw.ARK_SHOULDER ?? DEV_ARK.shoulder };
  // The rules mintArk applies, at start-up: a shoulder it refuses would fail every batch instead.
  // (ARK_NAAN's form is the schema's; what is left to refuse is the shoulder, alone or for its
  // length with the NAAN.)
  try {
    mintArk({ ...ark, blade: '00000000' });
  } catch (err) {
    if (!(err instanceof InvalidArkError)) throw err;
    throw new ConfigError([{ variable: 'ARK_SHOULDER', message: err.message }]);
  }
  const tools: ToolEnv = {
    SHEAF_CACHE_DIR: raw.SHEAF_CACHE_DIR,
    SHEAF_TEMPORAL_BIN: raw.SHEAF_TEMPORAL_BIN,
    SHEAF_RCLONE_BIN: raw.SHEAF_RCLONE_BIN,
    PATH: raw.PATH,
  };
  return Object.freeze({
    env: raw.SHEAF_ENV,
    databaseUrl: raw.DATABASE_URL,
    /** Connections this process's PostgreSQL pool opens at most (DB_POOL_SIZE). */
    databasePoolSize: raw.DB_POOL_SIZE,
    temporal: Object.freeze({
      address: raw.TEMPORAL_ADDRESS,
      namespace: raw.TEMPORAL_NAMESPACE,
      taskQueue: raw.TEMPORAL_TASK_QUEUE,
      uiUrl: raw.TEMPORAL_UI_URL.replace(/\/$/, ''),
    }),
    ark: Object.freeze(ark),
    logLevel: raw.LOG_LEVEL,
    /** Base64 key for secrets at rest; absent only outside production. */
    encryptionKey: raw.SHEAF_ENCRYPTION_KEY,
    /** Keys it replaced, which still open what they sealed (SHEAF_ENCRYPTION_OLD_KEYS). */
    encryptionOldKeys: raw.SHEAF_ENCRYPTION_OLD_KEYS,
    harvest: Object.freeze({
      batchFiles: raw.HARVEST_BATCH_FILES,
      batchBytes: raw.HARVEST_BATCH_BYTES,
      window: raw.HARVEST_BATCH_WINDOW,
      rcloneTransfers: raw.RCLONE_TRANSFERS,
    }),
    worker: Object.freeze({ metricsAddress: raw.WORKER_METRICS_ADDRESS, healthAddress: raw.WORKER_HEALTH_ADDRESS }),
    tools: Object.freeze(tools),
  });
}

export type ServerConfig = ReturnType<typeof toServerConfig>;

/** Configuration shared by every server process (worker, API, tools). */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return toServerConfig(parse(serverSchema, env));
}

/**
 * The activities a worker runs at once: a full window of batches (HARVEST_BATCH_WINDOW), and
 * beside them a discovery still planning their run (services/worker/src/main.ts).
 */
export function workerActivitySlots(config: Pick<ServerConfig, 'harvest'>): number {
  return config.harvest.window + 1;
}

/**
 * The PostgreSQL connections a worker needs: HARVEST_BATCH_WINDOW + 2. Read from the worker's
 * code (services/worker/src/activities, harvest/catalogue.ts): every activity (beginRun, a batch,
 * finishRun, ...) holds at most one pooled connection at a time (its statements run one after
 * the other, its transactions on that connection alone); a discovery holds its listing's
 * connection (openListing: a temporary table, so one session) from its first staged piece to the
 * end of planning, and may take a second from the pool meanwhile (existingPlan, once another
 * attempt planned the run first). So each activity slot needs one, and one more is needed for a
 * discovery's second while every slot holds its own: slots + 1 = window + 2. With fewer, an
 * activity waits for a connection (up to 30 s, then fails, and Temporal retries it).
 */
export function workerPoolNeed(config: Pick<ServerConfig, 'harvest'>): number {
  return workerActivitySlots(config) + 1;
}

/**
 * A worker's configuration (loadServerConfig), refused when its PostgreSQL pool (DB_POOL_SIZE)
 * is smaller than its activities need (workerPoolNeed).
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const config = loadServerConfig(env);
  const need = workerPoolNeed(config);
  if (config.databasePoolSize < need) {
    throw new ConfigError([
      {
        variable: 'DB_POOL_SIZE',
        message:
          `is ${config.databasePoolSize}, fewer than this worker needs: HARVEST_BATCH_WINDOW (${config.harvest.window}) + 2 = ${need} ` +
          `(one connection for each of its ${workerActivitySlots(config)} activities at once, and one more for a discovery's listing); ` +
          `raise DB_POOL_SIZE to at least ${need} or lower HARVEST_BATCH_WINDOW (docs/deploy.md, "PostgreSQL connections")`,
      },
    ]);
  }
  return config;
}

export type ApiConfig = ServerConfig & {
  readonly api: { readonly port: number; readonly host: string; readonly portalUrl: string; readonly trustProxy: string };
  readonly jwt: { readonly secret: string; readonly ttlSeconds: number };
  readonly login: { readonly maxFailures: number; readonly windowSeconds: number };
  readonly schedules: { readonly resyncSeconds: number };
  readonly runs: { readonly reconcileSeconds: number };
  readonly temporalCallTimeoutMs: number;
  /** statement_timeout of the API's PostgreSQL pool, in ms (API_STATEMENT_TIMEOUT_MS); 0 none. */
  readonly statementTimeoutMs: number;
};

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const raw = parse(apiSchema, env);
  return Object.freeze({
    ...toServerConfig(raw),
    api: Object.freeze({ port: raw.API_PORT, host: raw.API_HOST, portalUrl: raw.PORTAL_URL.replace(/\/$/, ''), trustProxy: raw.TRUST_PROXY }),
    jwt: Object.freeze({ secret: raw.JWT_SECRET, ttlSeconds: raw.JWT_TTL_SECONDS }),
    login: Object.freeze({ maxFailures: raw.LOGIN_MAX_FAILURES, windowSeconds: raw.LOGIN_WINDOW_SECONDS }),
    schedules: Object.freeze({ resyncSeconds: raw.SCHEDULE_RESYNC_SECONDS }),
    runs: Object.freeze({ reconcileSeconds: raw.RUN_RECONCILE_SECONDS }),
    temporalCallTimeoutMs: raw.TEMPORAL_CALL_TIMEOUT_MS,
    statementTimeoutMs: raw.API_STATEMENT_TIMEOUT_MS,
  });
}

const stackSchema = z.object({
  SHEAF_DATA_DIR: z.string().optional(),
  DATABASE_URL: serverSchema.shape.DATABASE_URL.optional(),
  TEMPORAL_ADDRESS: hostPort('localhost:7233').optional(),
  TEMPORAL_UI_URL: z.string().url().optional(),
  PG_PORT: port.default(5433),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  API_PORT: port.default(3001),
  WEB_PORT: port.default(3000),
  SHEAF_ADMIN_EMAIL: z.string().email().default('admin@sheaf.local'),
  SHEAF_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  SHEAF_CACHE_DIR: z.string().optional(),
  SHEAF_TEMPORAL_BIN: z.string().optional(),
  SHEAF_RCLONE_BIN: z.string().optional(),
  PATH: z.string().optional(),
});

/**
 * The local stack's settings (`npm start`): what it runs itself and what it takes from outside
 * (DATABASE_URL, TEMPORAL_ADDRESS). Every port can be moved.
 */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env) {
  const raw = parse(stackSchema, env);
  return Object.freeze({
    dataDir: raw.SHEAF_DATA_DIR,
    externalDatabaseUrl: raw.DATABASE_URL,
    externalTemporal: raw.TEMPORAL_ADDRESS ? { address: raw.TEMPORAL_ADDRESS, uiUrl: raw.TEMPORAL_UI_URL } : undefined,
    ports: Object.freeze({
      postgres: raw.PG_PORT,
      temporal: raw.TEMPORAL_PORT,
      temporalUi: raw.TEMPORAL_UI_PORT,
      api: raw.API_PORT,
      web: raw.WEB_PORT,
    }),
    admin: Object.freeze({ email: raw.SHEAF_ADMIN_EMAIL, password: raw.SHEAF_ADMIN_PASSWORD }),
    tools: Object.freeze({
      SHEAF_CACHE_DIR: raw.SHEAF_CACHE_DIR,
      SHEAF_TEMPORAL_BIN: raw.SHEAF_TEMPORAL_BIN,
      SHEAF_RCLONE_BIN: raw.SHEAF_RCLONE_BIN,
      PATH: raw.PATH,
    } satisfies ToolEnv),
  });
}

export type StackConfig = ReturnType<typeof loadStackConfig>;

/** Every variable the server processes read (API, worker, migrations, tools, `npm start`): the deployment files are checked against it. */
export const SERVER_ENVIRONMENT_VARIABLES: ReadonlySet<string> = new Set([...Object.keys(apiSchema.shape), ...Object.keys(stackSchema.shape)]);
