import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { CheckResult, ReadinessResponse } from '@sheaf/contracts';
import { createDataSource } from '@sheaf/db';
import { messageOf } from '../common/error-message';
import { API_CONFIG, type ApiConfig } from '../config';
import { TemporalProbe } from '../temporal/temporal.module';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * How long the database check's connection stays open without a check: longer than the readiness
 * probe's period (10 s), so a probed replica keeps one connection instead of opening one a probe.
 */
const CHECK_CONNECTION_IDLE_MS = 60_000;

const logger = new Logger('health');

/**
 * One dependency's check. /ready is public (probes, load balancers): its answer says only that
 * the dependency failed, in fixed words; what the driver said (addresses, a refused login's user)
 * goes to the log.
 */
async function check(name: string, probe: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`));
        }, CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    logger.warn(`readiness: the ${name} check failed: ${messageOf(err)}`);
    return { ok: false, error: timedOut ? `no answer within ${CHECK_TIMEOUT_MS} ms` : 'unavailable (the API log says why)' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The database check runs on a connection of its own (one per API process, on top of
 * DB_POOL_SIZE), not through the request pool: slow requests holding every pooled connection would
 * make it wait for one past its time limit, and a database that answers would take every replica
 * out of the Service at once. Opened at the first check (again after one that failed to open it),
 * and closed after CHECK_CONNECTION_IDLE_MS without a check.
 */
@Injectable()
export class HealthService implements OnApplicationShutdown {
  private checkConnection?: Promise<DataSource>;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(TemporalProbe) private readonly probe: TemporalProbe,
  ) {}

  private database(): Promise<DataSource> {
    if (!this.checkConnection) {
      const dataSource = createDataSource({ url: this.config.databaseUrl, applicationName: 'sheaf-api-ready', poolSize: 1 });
      dataSource.setOptions({ extra: { ...dataSource.options.extra, idleTimeoutMillis: CHECK_CONNECTION_IDLE_MS } });
      const opened = dataSource.initialize();
      this.checkConnection = opened;
      opened.catch(() => {
        if (this.checkConnection === opened) this.checkConnection = undefined;
      });
    }
    return this.checkConnection;
  }

  async onApplicationShutdown(): Promise<void> {
    const dataSource = await this.checkConnection?.catch(() => undefined);
    this.checkConnection = undefined;
    if (dataSource?.isInitialized) await dataSource.destroy();
  }

  /** Both checks, always reported; `require` says which must pass for `ready`. */
  async readiness(require: 'all' | 'database' = 'all'): Promise<ReadinessResponse> {
    const [database, temporal] = await Promise.all([
      check('database', async () => (await this.database()).query('SELECT 1')),
      check('Temporal', () =>
        this.probe.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
          this.probe.connection.workflowService.getSystemInfo({}),
        ),
      ),
    ]);
    const ready = database.ok && (temporal.ok || require === 'database');
    return { status: ready ? 'ready' : 'unready', checks: { database, temporal } };
  }
}
