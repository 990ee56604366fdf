import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { family, Histogram } from './metrics';

const FINISHED = ['succeeded', 'failed', 'cancelled', 'skipped'];

/**
 * Prometheus metrics: HTTP latency observed in this process, harvest figures read from
 * PostgreSQL at scrape time (so every API replica reports the same totals: aggregated with max,
 * not sum, docs/deploy.md "Metrics" says).
 */
@Injectable()
export class MetricsService {
  readonly http = new Histogram('sheaf_http_request_duration_seconds', 'HTTP request latency by method, route template and status');

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async render(): Promise<string> {
    const [runs] = (await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE status IN ('pending', 'running'))::int AS active,
              count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
              count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
              coalesce(sum(files_done), 0)::text AS files_verified,
              coalesce(sum(files_failed), 0)::text AS files_failed,
              coalesce(sum(bytes_done), 0)::text AS bytes_verified,
              (SELECT count(*)::int FROM schedules WHERE needs_sync) AS unsynced
         FROM harvest_runs`,
    )) as Array<Record<string, number | string>>;
    const memory = process.memoryUsage();
    return [
      this.http.render(),
      family('sheaf_harvest_runs_active', 'gauge', 'Harvest runs pending or running', [{ value: Number(runs.active) }]),
      family(
        'sheaf_harvest_runs_finished_total',
        'counter',
        'Harvest runs finished, by outcome',
        FINISHED.map((status) => ({ labels: { status }, value: Number(runs[status]) })),
      ),
      family('sheaf_harvest_files_total', 'counter', 'Files harvested, by outcome', [
        { labels: { outcome: 'verified' }, value: Number(runs.files_verified) },
        { labels: { outcome: 'failed' }, value: Number(runs.files_failed) },
      ]),
      family('sheaf_harvest_bytes_total', 'counter', 'Bytes harvested and verified', [{ value: Number(runs.bytes_verified) }]),
      family('sheaf_schedules_unsynced', 'gauge', 'Schedules Temporal does not match yet', [{ value: Number(runs.unsynced) }]),
      family('process_resident_memory_bytes', 'gauge', 'Resident memory of the API process', [{ value: memory.rss }]),
      family('process_uptime_seconds', 'gauge', 'Seconds since the API process started', [{ value: Math.round(process.uptime()) }]),
    ].join('');
  }
}
