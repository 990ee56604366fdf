import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { checkWithin, type ReadinessResponse } from '@sheaf/contracts';
import { TemporalProbe } from '../temporal/temporal.module';

const CHECK_TIMEOUT_MS = 2_000;

@Injectable()
export class HealthService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(TemporalProbe) private readonly probe: TemporalProbe,
  ) {}

  async readiness(): Promise<ReadinessResponse> {
    const [database, temporal] = await Promise.all([
      checkWithin(CHECK_TIMEOUT_MS, () => this.dataSource.query('SELECT 1')),
      checkWithin(CHECK_TIMEOUT_MS, () =>
        this.probe.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
          this.probe.connection.workflowService.getSystemInfo({}),
        ),
      ),
    ]);
    return { status: database.ok && temporal.ok ? 'ready' : 'unready', checks: { database, temporal } };
  }
}
