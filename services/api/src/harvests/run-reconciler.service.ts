import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { closeEndedRuns } from '@sheaf/harvests';
import { messageOf } from '../common/error-message';
import { API_CONFIG, type ApiConfig } from '../config';

/** Runs touched this recently are left alone: their workflow may still be starting. */
const QUIET_SECONDS = 60;
/** Open runs looked at per pass (each costs one describe call to Temporal). */
const RUNS_PER_PASS = 100;

/**
 * Closes runs whose workflow ended without finishing them (an operator terminated it in the
 * Temporal UI, it timed out): without this they would show as running and hold their
 * instrument's lease until the next harvest of that instrument noticed. Every
 * RUN_RECONCILE_SECONDS; a pass that cannot reach Temporal changes nothing.
 */
@Injectable()
export class RunReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('runs');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Client) private readonly client: Client,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runs.reconcileSeconds > 0) {
      this.timer = setInterval(() => this.background(), this.config.runs.reconcileSeconds * 1000);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass; returns the ids of the runs it closed. */
  async closeEndedRuns(quietSeconds = QUIET_SECONDS): Promise<string[]> {
    return closeEndedRuns(this.dataSource, this.client, {
      quietSeconds,
      limit: RUNS_PER_PASS,
      onError: (runId, err) => this.logger.warn(`closing run ${runId}, whose workflow had ended, failed (the next pass tries again): ${messageOf(err)}`),
    });
  }

  private background(): void {
    if (this.running || !this.dataSource.isInitialized) return;
    this.running = this.closeEndedRuns()
      .then((closed) => closed.length && this.logger.warn(`closed ${closed.length} run(s) whose workflow had ended: ${closed.join(', ')}`))
      .catch((err: unknown) => this.logger.warn(`closing ended runs failed: ${messageOf(err)}`))
      .finally(() => (this.running = undefined));
  }
}
