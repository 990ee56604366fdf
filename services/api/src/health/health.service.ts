import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CheckResult, ReadinessResponse } from '@sheaf/contracts';
import { messageOf } from '../common/error-message';
import { TemporalProbe } from '../temporal/temporal.module';

const CHECK_TIMEOUT_MS = 2_000;

async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: messageOf(err) };
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
      check(() => this.dataSource.query('SELECT 1')),
      check(() =>
        this.probe.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
          this.probe.connection.workflowService.getSystemInfo({}),
        ),
      ),
    ]);
    const ready = database.ok && (temporal.ok || require === 'database');
    return { status: ready ? 'ready' : 'unready', checks: { database, temporal } };
  }
}
