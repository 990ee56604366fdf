import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CheckResult, ReadinessResponse } from '@sheaf/contracts';
import { messageOf } from '../common/error-message';
import { TemporalProbe } from '../temporal/temporal.module';

const CHECK_TIMEOUT_MS = 2_000;

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

@Injectable()
export class HealthService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(TemporalProbe) private readonly probe: TemporalProbe,
  ) {}

  /** Both checks, always reported; `require` says which must pass for `ready`. */
  async readiness(require: 'all' | 'database' = 'all'): Promise<ReadinessResponse> {
    const [database, temporal] = await Promise.all([
      check('database', () => this.dataSource.query('SELECT 1')),
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
